/**
 * One log line per HTTP request (method, route pattern, status, ms, the id of the token used — never the
 * token), and for a request that changed something a second line naming the operator action, as the audit
 * log records it.
 */
import type { MiddlewareHandler } from 'hono';
import type { AuditNote, MonitorEnv } from '../auth/monitor-auth.ts';

export interface AccessLogger {
  info(obj: Record<string, unknown>, msg: string): void;
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function accessLog(
  logger: AccessLogger,
  now: () => number = () => performance.now(),
): MiddlewareHandler<MonitorEnv> {
  return async (c, next) => {
    const started = now();
    try {
      await next();
    } finally {
      // After next() routePath names the last handler that ran; a wildcard there means only middleware matched.
      const pattern = c.req.routePath;
      const route = pattern !== '' && !pattern.endsWith('*') ? pattern : null;
      const principal = c.get('principal');
      const status = c.res.status;
      logger.info(
        {
          method: c.req.method,
          route,
          path: route ? undefined : c.req.path,
          status,
          ms: Math.round((now() - started) * 10) / 10,
          token_id: principal?.id ?? null,
        },
        'http request',
      );
      const note = c.get('audit') as AuditNote | undefined;
      if (principal && !READ_METHODS.has(c.req.method) && note) {
        logger.info(
          {
            actor: principal.actor,
            action: note.action,
            target: note.target ?? null,
            result: status < 400 ? 'success' : 'failure',
            status,
          },
          'operator action',
        );
      }
    }
  };
}
