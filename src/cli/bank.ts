/**
 * `banking-sftp bank test-connection --bank CODE`: the API's test-connection report, printed as JSON; through
 * the running service (its bank pool), or with none running a connection of its own. Exit 1 when not ok.
 */
import { maskSensitiveText } from '../domain/mask.ts';
import { recordAudit } from '../infra/db/repositories/audit-log.ts';
import { createSftpTransport } from '../workflows/adapters/sftp-transport.ts';
import { bankOf, loadCommandConfig, parseCommand } from './args.ts';
import { auditedSecrets, cliActor, withState } from './state.ts';
import { UsageError } from './usage-error.ts';

interface Report {
  ok: boolean;
  [key: string]: unknown;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { bank: { type: 'string' } });
  if (positionals[0] !== 'test-connection' || positionals.length > 1) {
    throw new UsageError(positionals[0] ? `unknown sub-command ${positionals.join(' ')}` : 'expected test-connection');
  }
  const config = loadCommandConfig(values.config);
  const bank = bankOf(config, values.bank);
  const report = await withState<Report>(config, 'bank test-connection', {
    service: (api) => api.request<Report>('POST', '/test-connection', { bank_code: bank.bank_code }),
    direct: async ({ db }) => {
      const secrets = auditedSecrets(config, db);
      const transport = createSftpTransport(config, async (name) => (await secrets.get(name)).value);
      try {
        const r = await transport.sftpFor(bank).testConnection();
        await recordAudit(db, {
          actor: cliActor(),
          action: 'bank.test_connection',
          target: bank.bank_code,
          result: 'success',
          details: { ok: r.ok, error_class: r.error ? `${r.error.code}:${r.error.retryClass}` : null },
        });
        return {
          bank_code: bank.bank_code,
          ok: r.ok,
          server_banner: r.serverBanner ?? null,
          algorithms: r.algorithms
            ? {
                kex: r.algorithms.kex,
                server_host_key: r.algorithms.serverHostKey,
                cipher: r.algorithms.cipher,
                mac: r.algorithms.mac,
              }
            : null,
          host_key_sha256: r.hostKey?.fingerprint ?? null,
          host_key_matches_pin: r.hostKey ? (r.hostKey.matchesPin ?? null) : null,
          sftp_extensions: r.sftpExtensions ?? [],
          latency_ms: Math.round(r.roundTripMs ?? r.connectMs ?? 0),
          upload_path_writable: r.uploadPath?.writable ?? false,
          error: r.error ? maskSensitiveText(r.error.message) : null,
          error_class: r.error ? `${r.error.code}:${r.error.retryClass}` : null,
        };
      } finally {
        await transport.end();
      }
    },
  });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return report.ok ? 0 : 1;
}
