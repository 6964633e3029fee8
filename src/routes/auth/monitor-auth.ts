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
  onLockout?: ((event: LockoutEvent) => void) | undefined;
  /**
   * For reads only: the operations page's session cookie (the page's EventSource cannot send a bearer token).
   * Never for changes: those need the bearer token, or the page's own CSRF-checked forms.
   */
  cookiePrincipal?: ((c: Context) => Promise<Principal | undefined>) | undefined;
}

/**
 * Where the operations page puts the signed-in principal when it carries out a form action through the API
 * (`app.fetch(request, { ...c.env, [PAGE_PRINCIPAL]: principal })`), so the action is validated and audited
 * exactly as an API call. `env` is built in-process by the runtime adapter; a request cannot set it.
 */
export const PAGE_PRINCIPAL = Symbol('banking-sftp page principal');

function pagePrincipal(c: Context): Principal | undefined {
  const env = c.env as Record<symbol, unknown> | undefined;
  return (env?.[PAGE_PRINCIPAL] as Principal | undefined) ?? undefined;
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function bearerToken(c: Context): string | undefined {
  const header = c.req.header('authorization');
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** A lockout the limiter just started, for the log and the lockout metric. */
export interface LockoutEvent {
  client: string;
  blockSeconds: number;
}

/**
 * Checks the token; throws the 401/429 Problem. Shared by the API and the page sign-in. A valid token always
 * passes; a bad one from a client that is blocked answers 429 (and is not counted again).
 */
export async function authenticate(
  options: Pick<MonitorAuthOptions, 'verifier' | 'limiter' | 'clientAddress' | 'onLockout'>,
  c: Context,
  token: string | undefined,
): Promise<Principal> {
  if (!token) {
    throw new Problem('unauthorized', 'send Authorization: Bearer <token>', {}, { 'www-authenticate': 'Bearer' });
  }
  const principal = await options.verifier.verify(token);
  if (principal) return principal;
  const address = options.clientAddress(c);
  // Decided after the lookup: guesses sent in parallel all finish their lookups, and once the client is blocked
  // every one of them answers 429, so a burst learns no more than `maxFailures` sequential guesses would.
  const blockedFor = (wait: number) =>
    new Problem(
      'rate-limited',
      `too many failed authentication attempts from this client; retry in ${wait} s`,
      { retry_after_seconds: wait },
      { 'retry-after': String(wait) },
    );
  const wait = options.limiter.retryAfterSeconds(address);
  if (wait > 0) throw blockedFor(wait);
  if (options.limiter.recordFailure(address)) {
    options.onLockout?.({ client: address, blockSeconds: options.limiter.retryAfterSeconds(address) });
  }
  throw new Problem(
    'unauthorized',
    'the token is not valid or was revoked',
    {},
    { 'www-authenticate': 'Bearer error="invalid_token"' },
  );
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
          ...(pagePrincipal(c) ? { via: 'page' } : {}),
        },
      });
    } catch (error) {
      options.onAuditError(error);
    }
  };

  return async (c, next) => {
    const fromPage = pagePrincipal(c);
    const fromCookie =
      !fromPage && !bearerToken(c) && READ_METHODS.has(c.req.method) && options.cookiePrincipal
        ? await options.cookiePrincipal(c)
        : undefined;
    const principal = fromPage ?? fromCookie ?? (await authenticate(options, c, bearerToken(c)));
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
