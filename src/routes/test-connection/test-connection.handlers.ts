import type { RouteHandler } from '@hono/zod-openapi';
import { maskSensitiveText } from '../../domain/mask.ts';
import type { MonitorEnv } from '../auth/monitor-auth.ts';
import { Problem } from '../problem.ts';
import type { MonitorContext } from '../router.ts';
import type { testConnection } from './test-connection.routes.ts';

export const testConnectionHandlers = (ctx: MonitorContext) => ({
  testConnection: (async (c) => {
    const { bank_code } = c.req.valid('json');
    c.set('audit', { action: 'bank.test_connection', target: bank_code });
    if (!ctx.banks.some((b) => b.bank_code === bank_code)) {
      throw new Problem('not-found', `bank ${bank_code} is not configured or not active`);
    }
    const r = await ctx.ports.testConnection(bank_code);
    c.set('audit', {
      action: 'bank.test_connection',
      target: bank_code,
      details: { ok: r.ok, error_class: r.errorClass, upload_path_writable: r.uploadPathWritable },
    });
    return c.json(
      {
        bank_code,
        ok: r.ok,
        server_banner: r.serverBanner,
        algorithms: r.algorithms
          ? {
              kex: r.algorithms.kex,
              server_host_key: r.algorithms.serverHostKey,
              cipher: r.algorithms.cipher,
              mac: r.algorithms.mac,
            }
          : null,
        host_key_sha256: r.hostKeySha256,
        host_key_matches_pin: r.hostKeyMatchesPin,
        sftp_extensions: r.sftpExtensions,
        latency_ms: r.latencyMs,
        upload_path_writable: r.uploadPathWritable,
        error: r.error ? maskSensitiveText(r.error) : null,
        error_class: r.errorClass,
        upload_probe: (r.uploadProbe ?? []).map((s) => ({
          ...s,
          detail: s.detail === null ? null : maskSensitiveText(s.detail),
          error: s.error === null ? null : maskSensitiveText(s.error),
        })),
        server_offer: r.serverOffer ?? null,
      },
      200,
    );
  }) satisfies RouteHandler<typeof testConnection, MonitorEnv>,
});
