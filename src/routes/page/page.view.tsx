/** @jsxImportSource hono/jsx */
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { maskSensitiveText } from '../../domain/mask.ts';
import { taipeiDate, taipeiTime } from '../../domain/taipei-time.ts';
import type { BatchRow, batchDetail } from '../../infra/db/repositories/monitor-batches.ts';
import { API_BASE } from '../router.ts';
import { WeekChart } from './chart.tsx';
import type { BankTile, PageData } from './page.data.ts';

export interface Viewer {
  who: string;
  canAct: boolean;
  csrf: string;
  nonce: string;
  flash?: { text: string; failed: boolean } | undefined;
}

const STYLE = `
:root { font-family: "Noto Sans CJK TC", "Noto Sans TC", "PingFang TC", "Microsoft JhengHei", "Heiti TC", system-ui, sans-serif; color: #1c1c1c; background: #f5f6f8; }
body { margin: 0; padding: 1rem 1.5rem; }
header { display: flex; justify-content: space-between; align-items: baseline; gap: 1rem; }
h1 { font-size: 1.3rem; margin: 0 0 .5rem; } h2 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: .75rem; }
.tile { background: #fff; border: 2px solid #c8e6c9; border-left-width: 8px; border-radius: 6px; padding: .6rem .8rem; }
.tile h3 { margin: 0 0 .3rem; font-size: 1rem; } .tile dl { margin: 0; display: grid; grid-template-columns: auto 1fr; gap: .1rem .6rem; font-size: .85rem; }
.tile dt { color: #666; } .tile dd { margin: 0; overflow-wrap: anywhere; }
.tile.status-degraded, .tile.breaker-half_open { border-color: #ffb300; }
.tile.status-down, .tile.breaker-open { border-color: #c62828; }
.breaker { display: inline-block; padding: 0 .4rem; border-radius: 3px; color: #fff; background: #2e7d32; font-weight: 600; }
.breaker-open .breaker { background: #c62828; } .breaker-half_open .breaker { background: #ef6c00; }
.breaker-unknown .breaker { background: #757575; }
.manual, .last-error { color: #c62828; font-weight: 600; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: .85rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e0e0e0; vertical-align: top; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.empty { color: #666; font-style: italic; } .warn { background: #fff8e1; border: 1px solid #ffb300; padding: .4rem .6rem; border-radius: 4px; }
.flash { background: #e3f2fd; border: 1px solid #1e88e5; padding: .4rem .6rem; border-radius: 4px; }
.flash.failed { background: #ffebee; border-color: #c62828; }
.chart { background: #fff; border-radius: 6px; max-width: 720px; }
form.login { max-width: 420px; margin: 4rem auto; background: #fff; padding: 1.5rem; border-radius: 8px; }
form.login input { width: 100%; box-sizing: border-box; padding: .5rem; margin: .5rem 0 1rem; font-family: monospace; }
form.inline { display: inline-flex; gap: .3rem; align-items: center; margin: 0 .3rem .2rem 0; }
form.inline input[type=text] { width: 11rem; }
.error { color: #c62828; } button { padding: .3rem .8rem; }
#live { font-size: .8rem; color: #666; }
`;

function Shell(props: { title: string; nonce: string; live?: boolean; children: Child }) {
  return (
    <html lang="zh-Hant-TW">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        <style nonce={props.nonce}>{raw(STYLE)}</style>
      </head>
      <body>
        {props.children}
        {props.live ? <script nonce={props.nonce}>{raw(LIVE_SCRIPT)}</script> : null}
      </body>
    </html>
  );
}

/**
 * Live updates: the page listens to the monitor's event stream and, on a change, fetches itself and swaps the
 * live part in, unless the operator is typing into one of its forms (then it waits).
 */
const LIVE_SCRIPT = `(function () {
  var status = document.getElementById('live');
  var pending = null;
  function refresh() {
    pending = null;
    var active = document.activeElement;
    if (active && active.form && active.value) { pending = setTimeout(refresh, 2000); return; }
    fetch(location.href, { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var next = new DOMParser().parseFromString(html, 'text/html').getElementById('live-content');
        var current = document.getElementById('live-content');
        if (next && current) current.replaceWith(next);
        document.body.setAttribute('data-refreshed', String(Date.now()));
      });
  }
  if (!window.EventSource) return;
  var events = new EventSource('${API_BASE}/events');
  events.addEventListener('ready', function () { status.textContent = 'live'; });
  events.onerror = function () { status.textContent = 'reconnecting…'; };
  ['batch', 'exception', 'retry-queue', 'bank'].forEach(function (name) {
    events.addEventListener(name, function (e) {
      document.body.setAttribute('data-last-event', name + ' ' + e.data);
      if (!pending) pending = setTimeout(refresh, 150);
    });
  });
})();`;

export function LoginPage(props: { error?: string | undefined; csrf: string; nonce: string }) {
  return (
    <Shell title="banking-sftp — sign in" nonce={props.nonce}>
      <form class="login" method="post" action="/login">
        <h1>banking-sftp operations</h1>
        <p>Sign in with a monitor API token (viewer or operator).</p>
        {props.error ? (
          <p class="error" role="alert">
            {props.error}
          </p>
        ) : null}
        <input type="hidden" name="csrf" value={props.csrf} />
        <label for="token">Token</label>
        <input id="token" name="token" type="password" autocomplete="off" required />
        <button type="submit">Sign in</button>
      </form>
    </Shell>
  );
}

export function MessagePage(props: { title: string; message: string; nonce: string }) {
  return (
    <Shell title={`banking-sftp — ${props.title}`} nonce={props.nonce}>
      <h1>{props.title}</h1>
      <p role="alert">{props.message}</p>
      <p>
        <a href="/">Back to the operations page</a>
      </p>
    </Shell>
  );
}

/** What every page form needs: where it posts, the session's CSRF token. */
function ActionForm(props: { action: string; csrf: string; label: string; children?: Child }) {
  return (
    <form class="inline" method="post" action={props.action}>
      <input type="hidden" name="csrf" value={props.csrf} />
      {props.children}
      <button type="submit">{props.label}</button>
    </form>
  );
}

const money = (cents: number) =>
  `NT$ ${(cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const when = (d: Date | null, today: string) =>
  d ? `${taipeiDate(d) === today ? '' : `${taipeiDate(d)} `}${taipeiTime(d).slice(0, 5)}` : '—';

function countdown(minutes: number): string {
  if (minutes < 0) return 'passed';
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

function Tile(props: { tile: BankTile; today: string; viewer: Viewer }) {
  const t = props.tile;
  return (
    <section class={`tile breaker-${t.breaker} status-${t.status}`} data-bank={t.bankCode}>
      <h3>
        {t.bankName} <small>({t.bankCode})</small>
      </h3>
      <dl>
        <dt>Breaker</dt>
        <dd>
          <span class="breaker">{t.breaker.replace('_', '-')}</span>
        </dd>
        <dt>Health</dt>
        <dd>{t.health}</dd>
        <dt>Queue</dt>
        <dd>{t.queueSize ?? '—'}</dd>
        <dt>Last upload</dt>
        <dd>{when(t.lastUpload, props.today)}</dd>
        <dt>Next run</dt>
        <dd>{when(t.nextRun, props.today)}</dd>
        <dt>Cutoff</dt>
        <dd>
          {t.cutoff} ({countdown(t.cutoffInMinutes)})
        </dd>
        {t.halfOpenAt ? (
          <>
            <dt>Half-open at</dt>
            <dd class="half-open">{when(t.halfOpenAt, props.today)}</dd>
          </>
        ) : null}
        {t.lastError ? (
          <>
            <dt>Last error</dt>
            <dd class="last-error">{maskSensitiveText(t.lastError)}</dd>
          </>
        ) : null}
      </dl>
      {t.manualIntervention ? (
        <div>
          <p class="manual">Manual intervention: {maskSensitiveText(t.manualIntervention)}</p>
          {props.viewer.canAct ? (
            <ActionForm action={`/actions/resolve-manual/${t.bankCode}`} csrf={props.viewer.csrf} label="Resolve">
              <input type="text" name="note" placeholder="what was fixed" required aria-label="Resolution note" />
            </ActionForm>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

function SignedInHeader(props: { viewer: Viewer; now: Date }) {
  return (
    <header>
      <h1>
        <a href="/">banking-sftp operations</a>
      </h1>
      <form method="post" action="/logout">
        <input type="hidden" name="csrf" value={props.viewer.csrf} />
        <small>
          {props.viewer.who} · {taipeiDate(props.now)} {taipeiTime(props.now)} Asia/Taipei ·{' '}
          <span id="live">connecting…</span>{' '}
        </small>
        <button type="submit">Sign out</button>
      </form>
    </header>
  );
}

function Flash(props: { viewer: Viewer }) {
  const f = props.viewer.flash;
  return f ? (
    <p class={f.failed ? 'flash failed' : 'flash'} role="status" id="flash">
      {f.text}
    </p>
  ) : null;
}

export function DashboardPage(props: { data: PageData; viewer: Viewer }) {
  const d = props.data;
  const v = props.viewer;
  return (
    <Shell title="banking-sftp — operations" nonce={v.nonce} live>
      <SignedInHeader viewer={v} now={d.now} />
      <noscript>
        <p>
          Live updates need JavaScript; <a href="/">reload</a> to update.
        </p>
      </noscript>
      <Flash viewer={v} />
      <main id="live-content">
        {d.calendarWarnings.map((w) => (
          <p class="warn">{w}</p>
        ))}
        <h2>Banks</h2>
        <div class="tiles">
          {d.tiles.map((t) => (
            <Tile tile={t} today={d.today} viewer={v} />
          ))}
        </div>
        <h2>Batches waiting for a decision</h2>
        {d.decisions.length === 0 ? (
          <p class="empty">No batch waits for re-date or cancel.</p>
        ) : (
          <table id="decisions">
            <thead>
              <tr>
                <th>Bank</th>
                <th>Batch</th>
                <th>Value date</th>
                <th>State</th>
                <th>Transactions</th>
                <th>Total</th>
                {v.canAct ? <th>Decision</th> : null}
              </tr>
            </thead>
            <tbody>
              {d.decisions.map((b) => (
                <tr data-batch={b.batch_number}>
                  <td>{b.bank_code}</td>
                  <td>
                    <a href={`/batches/${b.id}`}>{b.batch_number}</a>
                  </td>
                  <td>{b.value_date}</td>
                  <td>{b.state}</td>
                  <td class="num">{b.transaction_count}</td>
                  <td class="num">{money(b.total_cents)}</td>
                  {v.canAct ? (
                    <td>
                      <ActionForm action={`/actions/redate/${b.id}`} csrf={v.csrf} label="Re-date">
                        <input type="date" name="value_date" required aria-label="New value date" />
                      </ActionForm>
                      <ActionForm action={`/actions/cancel/${b.id}`} csrf={v.csrf} label="Cancel">
                        <input type="text" name="reason" placeholder="reason" required aria-label="Cancel reason" />
                      </ActionForm>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <h2>Retry queue</h2>
        {d.retryQueue.length === 0 ? (
          <p class="empty">The retry queue is empty.</p>
        ) : (
          <table id="retry-queue">
            <thead>
              <tr>
                <th>Entry</th>
                <th>Bank</th>
                <th>Kind</th>
                <th>Reference</th>
                <th>Status</th>
                <th>Attempts</th>
                <th>Due</th>
                <th>Last error</th>
                {v.canAct ? <th /> : null}
              </tr>
            </thead>
            <tbody>
              {d.retryQueue.map((e) => (
                <tr data-entry={String(e.id)}>
                  <td>{e.id}</td>
                  <td>{e.bank_code}</td>
                  <td>{e.kind}</td>
                  <td>{e.ref}</td>
                  <td>{e.status}</td>
                  <td class="num">{e.attempts}</td>
                  <td>{when(e.due_at, d.today)}</td>
                  <td>{e.last_error ? maskSensitiveText(e.last_error) : '—'}</td>
                  {v.canAct ? (
                    <td>
                      {e.status === 'pending' || e.status === 'manual_intervention' ? (
                        <ActionForm action={`/actions/retry/${e.id}`} csrf={v.csrf} label="Retry now" />
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <h2>Today's reconciliation ({d.today})</h2>
        <table id="reconciliation">
          <thead>
            <tr>
              <th>Bank</th>
              <th>Files received</th>
              <th>Settled</th>
              <th>Returned</th>
              <th>Unmatched</th>
            </tr>
          </thead>
          <tbody>
            {d.reconciliation.map((r) => (
              <tr data-bank={r.bank_code}>
                <td>{r.bank_code}</td>
                <td class="num">{r.files}</td>
                <td class="num">{r.settled}</td>
                <td class="num">{r.returned}</td>
                <td class="num">{r.unmatched}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>Transfers, last 7 days</h2>
        <WeekChart days={d.chart} />
        <h2>Today's batches ({d.today})</h2>
        {d.batches.length === 0 ? (
          <p class="empty">No batches for today.</p>
        ) : (
          <table id="batches">
            <thead>
              <tr>
                <th>Bank</th>
                <th>Batch</th>
                <th>File</th>
                <th>State</th>
                <th>Transactions</th>
                <th>Total</th>
              </tr>
            </thead>
            <tbody>
              {d.batches.map((b) => (
                <tr>
                  <td>{b.bank_code}</td>
                  <td>
                    <a href={`/batches/${b.id}`}>{b.batch_number}</a>
                  </td>
                  <td>{b.file_name}</td>
                  <td>{b.state}</td>
                  <td class="num">{b.transaction_count}</td>
                  <td class="num">{money(b.total_cents)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <h2>Open exceptions</h2>
        {d.exceptions.length === 0 ? (
          <p class="empty">No open exceptions.</p>
        ) : (
          <table id="exceptions">
            <thead>
              <tr>
                <th>Since</th>
                <th>Bank</th>
                <th>Kind</th>
                <th>Reference</th>
                <th>Message</th>
                {v.canAct ? <th /> : null}
              </tr>
            </thead>
            <tbody>
              {d.exceptions.map((e) => (
                <tr data-exception={String(e.id)}>
                  <td>{when(e.created_at, d.today)}</td>
                  <td>{e.bank_code}</td>
                  <td>{e.kind}</td>
                  <td>{e.ref}</td>
                  <td>{maskSensitiveText(e.message)}</td>
                  {v.canAct ? (
                    <td>
                      <ActionForm action={`/actions/resolve-exception/${e.id}`} csrf={v.csrf} label="Resolve">
                        <input
                          type="text"
                          name="resolution"
                          placeholder="resolution"
                          required
                          aria-label="Resolution"
                        />
                      </ActionForm>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </main>
    </Shell>
  );
}

export interface BatchView {
  batch: BatchRow;
  detail: Awaited<ReturnType<typeof batchDetail>>;
}

export function BatchPage(props: { view: BatchView; viewer: Viewer; now: Date }) {
  const { batch: b, detail } = props.view;
  const v = props.viewer;
  const today = taipeiDate(props.now);
  const mask = (t: string | null) => (t ? maskSensitiveText(t) : '—');
  return (
    <Shell title={`banking-sftp — batch ${b.batch_number}`} nonce={v.nonce}>
      <SignedInHeader viewer={v} now={props.now} />
      <Flash viewer={v} />
      <h2>
        Batch {b.batch_number} <small>({b.bank_code})</small>
      </h2>
      <table id="batch-summary">
        <tbody>
          <tr>
            <th>State</th>
            <td>{b.state}</td>
          </tr>
          <tr>
            <th>Value date</th>
            <td>{b.value_date}</td>
          </tr>
          <tr>
            <th>Run</th>
            <td>{b.run_id ?? '—'}</td>
          </tr>
          <tr>
            <th>Transactions</th>
            <td>{b.transaction_count}</td>
          </tr>
          <tr>
            <th>Total</th>
            <td>{money(b.total_cents)}</td>
          </tr>
          <tr>
            <th>File</th>
            <td>
              {b.file_name} ({b.file_format}, {b.byte_size ?? '—'} bytes)
            </td>
          </tr>
          <tr>
            <th>SHA-256 (plain / encrypted)</th>
            <td>
              {b.plaintext_sha256 ?? '—'} / {b.ciphertext_sha256 ?? '—'}
            </td>
          </tr>
          <tr>
            <th>Last error</th>
            <td>{mask(b.last_error)}</td>
          </tr>
        </tbody>
      </table>
      <h2>State history</h2>
      <table id="batch-states">
        <thead>
          <tr>
            <th>At</th>
            <th>From</th>
            <th>To</th>
            <th>By</th>
            <th>Reason</th>
          </tr>
        </thead>
        <tbody>
          {detail.history.map((h) => (
            <tr>
              <td>{when(h.at, today)}</td>
              <td>{h.from_state ?? '—'}</td>
              <td>{h.to_state}</td>
              <td>{h.actor ?? '—'}</td>
              <td>{mask(h.reason)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Transfers</h2>
      {detail.transfers.length === 0 ? (
        <p class="empty">No transfers yet.</p>
      ) : (
        <table id="batch-transfers">
          <thead>
            <tr>
              <th>Started</th>
              <th>Direction</th>
              <th>Remote path</th>
              <th>Bytes</th>
              <th>Attempt</th>
              <th>Result</th>
              <th>Error</th>
            </tr>
          </thead>
          <tbody>
            {detail.transfers.map((t) => (
              <tr>
                <td>{when(t.started_at, today)}</td>
                <td>{t.direction}</td>
                <td>{t.remote_path}</td>
                <td class="num">{t.bytes}</td>
                <td class="num">{t.attempt}</td>
                <td>{t.result}</td>
                <td>{mask(t.error)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Transactions</h2>
      <table id="batch-transactions">
        <thead>
          <tr>
            <th>#</th>
            <th>Transaction</th>
            <th>Account</th>
            <th>Amount</th>
            <th>Status</th>
            <th>Return</th>
          </tr>
        </thead>
        <tbody>
          {detail.transactions.map((t) => (
            <tr>
              <td class="num">{t.seq}</td>
              <td>{t.transaction_id}</td>
              <td>****{t.account_last4.slice(-4)}</td>
              <td class="num">{money(t.amount_cents)}</td>
              <td>{t.status}</td>
              <td>{t.return_code ? `${t.return_code} ${mask(t.return_reason)}` : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Shell>
  );
}
