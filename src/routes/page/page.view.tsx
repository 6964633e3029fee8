/** @jsxImportSource hono/jsx */
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { maskSensitiveText } from '../../domain/mask.ts';
import { taipeiDate, taipeiTime } from '../../domain/taipei-time.ts';
import { WeekChart } from './chart.tsx';
import type { BankTile, PageData } from './page.data.ts';

const STYLE = `
:root { font-family: system-ui, sans-serif; color: #1c1c1c; background: #f5f6f8; }
body { margin: 0; padding: 1rem 1.5rem; }
header { display: flex; justify-content: space-between; align-items: baseline; gap: 1rem; }
h1 { font-size: 1.3rem; margin: 0 0 .5rem; } h2 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: .75rem; }
.tile { background: #fff; border: 2px solid #c8e6c9; border-left-width: 8px; border-radius: 6px; padding: .6rem .8rem; }
.tile h3 { margin: 0 0 .3rem; font-size: 1rem; } .tile dl { margin: 0; display: grid; grid-template-columns: auto 1fr; gap: .1rem .6rem; font-size: .85rem; }
.tile dt { color: #666; } .tile dd { margin: 0; }
.tile.status-degraded, .tile.breaker-half_open { border-color: #ffb300; }
.tile.status-down, .tile.breaker-open { border-color: #c62828; }
.breaker { display: inline-block; padding: 0 .4rem; border-radius: 3px; color: #fff; background: #2e7d32; font-weight: 600; }
.breaker-open .breaker { background: #c62828; } .breaker-half_open .breaker { background: #ef6c00; }
.breaker-unknown .breaker { background: #757575; }
.manual { color: #c62828; font-weight: 600; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: .85rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e0e0e0; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.empty { color: #666; font-style: italic; } .warn { background: #fff8e1; border: 1px solid #ffb300; padding: .4rem .6rem; border-radius: 4px; }
.chart { background: #fff; border-radius: 6px; max-width: 720px; }
form.login { max-width: 420px; margin: 4rem auto; background: #fff; padding: 1.5rem; border-radius: 8px; }
form.login input { width: 100%; box-sizing: border-box; padding: .5rem; margin: .5rem 0 1rem; font-family: monospace; }
.error { color: #c62828; } button { padding: .4rem 1rem; }
`;

function Shell(props: { title: string; refresh?: boolean; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        <style>{raw(STYLE)}</style>
      </head>
      <body>
        {props.children}
        {props.refresh ? <script>{raw('setTimeout(function(){location.reload()},30000)')}</script> : null}
      </body>
    </html>
  );
}

export function LoginPage(props: { error?: string | undefined }) {
  return (
    <Shell title="banking-sftp — sign in">
      <form class="login" method="post" action="/login">
        <h1>banking-sftp operations</h1>
        <p>Sign in with a monitor API token (viewer or operator).</p>
        {props.error ? (
          <p class="error" role="alert">
            {props.error}
          </p>
        ) : null}
        <label for="token">Token</label>
        <input id="token" name="token" type="password" autocomplete="off" required />
        <button type="submit">Sign in</button>
      </form>
    </Shell>
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

function Tile(props: { tile: BankTile; today: string }) {
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
      </dl>
      {t.manualIntervention ? (
        <p class="manual">Manual intervention: {maskSensitiveText(t.manualIntervention)}</p>
      ) : null}
    </section>
  );
}

export function DashboardPage(props: { data: PageData; who: string }) {
  const d = props.data;
  return (
    <Shell title="banking-sftp — operations" refresh>
      <header>
        <h1>banking-sftp operations</h1>
        <form method="post" action="/logout">
          <small>
            {props.who} · {taipeiDate(d.now)} {taipeiTime(d.now)} Asia/Taipei{' '}
          </small>
          <button type="submit">Sign out</button>
        </form>
      </header>
      <noscript>
        <p>
          Automatic refresh needs JavaScript; <a href="/">reload</a> to update.
        </p>
      </noscript>
      {d.calendarWarnings.map((w) => (
        <p class="warn">{w}</p>
      ))}
      <h2>Banks</h2>
      <div class="tiles">
        {d.tiles.map((t) => (
          <Tile tile={t} today={d.today} />
        ))}
      </div>
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
                <td>{b.batch_number}</td>
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
            </tr>
          </thead>
          <tbody>
            {d.exceptions.map((e) => (
              <tr>
                <td>{when(e.created_at, d.today)}</td>
                <td>{e.bank_code}</td>
                <td>{e.kind}</td>
                <td>{e.ref}</td>
                <td>{maskSensitiveText(e.message)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Shell>
  );
}
