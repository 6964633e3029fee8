/**
 * `banking-sftp retry-queue list [--status S] [--bank CODE]` prints entries as JSON lines (open ones by
 * default); `retry-queue retry ID` re-attempts one now through the running service, or, with none running,
 * makes it due now so the next start takes it first.
 */
import { recordAudit } from '../infra/db/repositories/audit-log.ts';
import { getRetryEntry, listRetryQueue, makeRetryDueNow } from '../infra/db/repositories/monitor-retry-queue.ts';
import type { RetryStatus } from '../infra/db/schema.ts';
import { loadCommandConfig, parseCommand } from './args.ts';
import { cliActor, withState } from './state.ts';
import { CommandFailed, UsageError } from './usage-error.ts';

const STATUSES = ['pending', 'in_progress', 'done', 'manual_intervention', 'cancelled'];

type Entry = Record<string, unknown> & { id: number };

function plain(row: Record<string, unknown>): Entry {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = v instanceof Date ? v.toISOString() : v;
  return out as Entry;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { status: { type: 'string' }, bank: { type: 'string' } });
  const [action, idText, ...extra] = positionals;
  if (action !== 'list' && action !== 'retry') {
    throw new UsageError(action ? `unknown sub-command ${action}` : 'expected list or retry');
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
  if (values.status !== undefined && !STATUSES.includes(values.status)) {
    throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
  }
  const id = Number(idText);
  if (action === 'retry' && !(Number.isSafeInteger(id) && id > 0)) throw new UsageError('retry: expected an entry id');
  const config = loadCommandConfig(values.config);

  if (action === 'list') {
    const items = await withState<Entry[]>(config, 'retry-queue list', {
      service: async (api) => {
        const all: Entry[] = [];
        let cursor: string | null = null;
        do {
          const query = new URLSearchParams({ limit: '100' });
          if (values.status) query.set('status', values.status);
          if (values.bank) query.set('bank_code', values.bank);
          if (cursor) query.set('cursor', cursor);
          const page: { items: Entry[]; next_cursor: string | null } = await api.request(
            'GET',
            `/retry-queue?${query}`,
          );
          all.push(...page.items);
          cursor = page.next_cursor;
        } while (cursor);
        return all;
      },
      direct: async ({ db }) => {
        const all: Entry[] = [];
        let beforeId: number | undefined;
        for (;;) {
          const page = await listRetryQueue(db, {
            status: values.status as RetryStatus | undefined,
            bankCode: values.bank,
            limit: 100,
            ...(beforeId === undefined ? {} : { beforeId }),
          });
          all.push(...page.items.map(plain));
          if (page.nextBeforeId === null) return all;
          beforeId = page.nextBeforeId;
        }
      },
    });
    for (const item of items) process.stdout.write(`${JSON.stringify(plain(item))}\n`);
    return 0;
  }

  const entry = await withState<Entry>(config, 'retry-queue retry', {
    service: (api) => api.request<Entry>('POST', `/retry-queue/${id}/retry`),
    direct: async ({ db }) => {
      const found = await getRetryEntry(db, id);
      if (!found) throw new CommandFailed(`no retry-queue entry ${id}`);
      if (found.status === 'done' || found.status === 'cancelled') {
        throw new CommandFailed(`retry-queue entry ${id} is ${found.status}; nothing to retry`);
      }
      // no service to attempt it now: due at once, for the next start (the attempt counter is kept)
      await makeRetryDueNow(db, id);
      await recordAudit(db, {
        actor: cliActor(),
        action: 'retry.due_now',
        target: String(id),
        result: 'success',
        details: { bank_code: found.bank_code, no_service: true },
      });
      process.stderr.write('no service is running: the entry is due now and is attempted when the service starts\n');
      return plain((await getRetryEntry(db, id))!);
    },
  });
  process.stdout.write(`${JSON.stringify(plain(entry))}\n`);
  return 0;
}
