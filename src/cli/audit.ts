/** `banking-sftp audit [--since D] [--actor A] [--limit N]`: the audit log, newest first, as JSON lines. */
import { taipeiInstant } from '../domain/taipei-time.ts';
import { listAudit } from '../infra/db/repositories/audit-log.ts';
import { loadCommandConfig, parseCommand, parseDay } from './args.ts';
import { withState } from './state.ts';
import { UsageError } from './usage-error.ts';

interface Row {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  result: string;
  details: unknown;
}

function sinceOf(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return taipeiInstant(parseDay(value, '--since'), '00:00');
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(at.getTime())) {
    throw new UsageError(`--since must be YYYY-MM-DD or an ISO instant, got ${JSON.stringify(value)}`);
  }
  return at;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    since: { type: 'string' },
    actor: { type: 'string' },
    limit: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const since = sinceOf(values.since);
  const limit = values.limit === undefined ? 1000 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be 1 to 10000');
  const config = loadCommandConfig(values.config);
  const rows = await withState<Row[]>(config, 'audit', {
    service: async (api) => {
      const query = new URLSearchParams({ limit: String(limit) });
      if (since) query.set('since', since.toISOString());
      if (values.actor) query.set('actor', values.actor);
      return (await api.request<{ items: Row[] }>('GET', `/admin/audit?${query}`)).items;
    },
    direct: async ({ db }) =>
      (await listAudit(db, { limit, since, actor: values.actor })).map((r) => ({
        id: r.id,
        at: r.at.toISOString(),
        actor: r.actor,
        action: r.action,
        target: r.target,
        result: r.result,
        details: r.details,
      })),
  });
  for (const r of rows) process.stdout.write(`${JSON.stringify({ ...r, at: new Date(r.at).toISOString() })}\n`);
  return 0;
}
