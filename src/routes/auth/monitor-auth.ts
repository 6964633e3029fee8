/**
 * The monitor API's gate: failed-auth rate limit, bearer token, role (viewer: GET only; operator: also POST),
 * and the audit log entry for every request that changes something, whatever its result.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { Kysely } from 'kysely';
import { recordAudit } from '../../infra/db/repositories/audit-log.ts';
import type { Database } from '../../infra/db/schema.ts';
import { Problem, problemType } from '../problem.ts';
import type { FailedAuthLimiter } from './failed-auth-limiter.ts';
import type { Principal, TokenVerifier } from './token-verifier.ts';

/** What a changing handler says it did, for the audit log: `c.set('audit', { action: 'batch.cancel', target })`. */
export interface AuditNote {
  action: string;
  target?: string;
  details?: Record<string, unknown>;
}

export type MonitorEnv = { Variables: { principal: Principal; audit: AuditNote } };

export interface MonitorAuthOptions {
  db: Kysely<Database>;
  verifier: TokenVerifier;
  limiter: FailedAuthLimiter;
  clientAddress: (c: Context) => string;
  onAuditError: (error: unknown) => void;
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function bearerToken(c: Context): string | undefined {
  const header = c.req.header('authorization');
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** Checks rate limit and token; throws the 401/429 Problem. Shared by the API and the dashboard login. */
export async function authenticate(
  options: Pick<MonitorAuthOptions, 'verifier' | 'limiter' | 'clientAddress'>,
  c: Context,
  token: string | undefined,
): Promise<Principal> {
  const address = options.clientAddress(c);
  const refuseIfBlocked = () => {
    const wait = options.limiter.retryAfterSeconds(address);
    if (wait > 0) {
      throw new Problem(
        'rate-limited',
        `too many failed authentication attempts from this address; retry in ${wait} s`,
        { retry_after_seconds: wait },
        { 'retry-after': String(wait) },
      );
    }
  };
  refuseIfBlocked();
  if (!token) {
    throw new Problem('unauthorized', 'send Authorization: Bearer <token>', {}, { 'www-authenticate': 'Bearer' });
  }
  const principal = await options.verifier.verify(token);
  // Guesses sent in parallel all pass the check above before any lookup ends. Deciding again afterwards means
  // that once the address is blocked every answer is 429, a good token included: a burst learns no more than
  // `maxFailures` sequential guesses would.
  if (principal) refuseIfBlocked();
  else {
    refuseIfBlocked();
    options.limiter.recordFailure(address);
    throw new Problem(
      'unauthorized',
      'the token is not valid or was revoked',
      {},
      {
        'www-authenticate': 'Bearer error="invalid_token"',
      },
    );
  }
  return principal;
}

export function monitorAuth(options: MonitorAuthOptions): MiddlewareHandler<MonitorEnv> {
  const audit = async (c: Context<MonitorEnv>, principal: Principal, result: string, status: number, kind?: string) => {
    const note = c.get('audit') as AuditNote | undefined;
    try {
      await recordAudit(options.db, {
        actor: principal.actor,
        action: note?.action ?? `${c.req.method} ${c.req.path}`,
        target: note?.target ?? null,
        result,
        details: {
          ...note?.details,
          method: c.req.method,
          path: c.req.path,
          status,
          ...(kind ? { problem: kind } : {}),
          role: principal.role,
          address: options.clientAddress(c),
        },
      });
    } catch (error) {
      options.onAuditError(error);
    }
  };

  return async (c, next) => {
    const principal = await authenticate(options, c, bearerToken(c));
    c.set('principal', principal);
    if (READ_METHODS.has(c.req.method)) return next();
    if (principal.role !== 'operator') {
      await audit(c, principal, 'forbidden', 403, problemType('forbidden'));
      throw new Problem('forbidden', `role ${principal.role} may only read; this needs an operator token`);
    }
    await next();
    const status = c.res.status;
    const kind =
      c.error instanceof Problem ? problemType(c.error.kind) : status === 400 ? problemType('validation') : undefined;
    await audit(c, principal, status < 400 ? 'success' : 'failure', status, status >= 400 ? kind : undefined);
  };
}
