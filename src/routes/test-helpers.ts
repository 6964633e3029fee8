/**
 * Test fixtures for the monitor API: fake ports with five sandbox banks (one with an open breaker) and an app
 * with a viewer and an operator token. Used by the route tests and test/api.
 */
import type { Kysely } from 'kysely';
import { createApiToken } from '../infra/db/repositories/api-tokens.ts';
import type { Database } from '../infra/db/schema.ts';
import { type AppDeps, createApp } from './create-app.ts';
import type { BankSnapshot, MonitorPorts, SystemSnapshot, TestConnectionReport } from './ports.ts';
import type { MonitorBank } from './router.ts';

export const TEST_BANKS: MonitorBank[] = [
  { bank_code: 'mega', bank_name: '兆豐銀行', cutoff_time: '15:30' },
  { bank_code: 'ctbc', bank_name: '中國信託', cutoff_time: '15:00' },
  { bank_code: 'esun', bank_name: '玉山銀行', cutoff_time: '14:30' },
  { bank_code: 'cathay', bank_name: '國泰世華', cutoff_time: '15:30' },
  { bank_code: 'taishin', bank_name: '台新銀行', cutoff_time: '15:00' },
];

/** 2026-11-26 09:00 Asia/Taipei, a Thursday. */
export const TEST_NOW = new Date('2026-11-26T09:00:00+08:00');

export function bankSnapshot(bankCode: string, overrides: Partial<BankSnapshot> = {}): BankSnapshot {
  return {
    bankCode,
    breaker: 'closed',
    breakerOpenUntil: null,
    health: 'healthy',
    pool: { active: 0, idle: 1, waiting: 0 },
    queueSize: 0,
    nextRetryAt: null,
    manualIntervention: null,
    lastSuccessAt: new Date('2026-11-26T06:00:41+08:00'),
    lastError: null,
    ...overrides,
  };
}

export interface FakePorts extends MonitorPorts {
  state: SystemSnapshot;
  calls: Array<{ method: string; args: unknown[] }>;
  nextRun: { runId: string } | { conflict: true; runId: string };
  connection: TestConnectionReport;
}

export function fakePorts(): FakePorts {
  const calls: FakePorts['calls'] = [];
  const ports: FakePorts = {
    calls,
    state: {
      banks: TEST_BANKS.map((b) =>
        b.bank_code === 'ctbc'
          ? bankSnapshot('ctbc', {
              breaker: 'open',
              health: 'down',
              breakerOpenUntil: new Date('2026-11-26T09:05:00+08:00'),
              queueSize: 2,
              lastError: 'connect ECONNREFUSED 127.0.0.1:20822',
            })
          : bankSnapshot(b.bank_code),
      ),
      nextTicks: [{ event: 'PAYMENTS.GENERATE', at: new Date('2026-11-27T06:00:00+08:00') }],
      calendarWarnings: [],
      runningPaymentRun: null,
    },
    nextRun: { runId: 'run-test-1' },
    connection: {
      ok: true,
      serverBanner: 'SSH-2.0-OpenSSH_9.2p1',
      algorithms: {
        kex: 'curve25519-sha256',
        serverHostKey: 'ssh-ed25519',
        cipher: 'aes128-gcm@openssh.com',
        mac: 'implicit',
      },
      hostKeySha256: 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU',
      hostKeyMatchesPin: true,
      sftpExtensions: ['posix-rename@openssh.com'],
      latencyMs: 12,
      uploadPathWritable: true,
      error: null,
      errorClass: null,
      uploadProbe: [
        { step: 'list', ok: true, ms: 3, detail: 'listed 2 entries', error: null },
        { step: 'stat', ok: true, ms: 2, detail: 'STAT refused (write-only directory)', error: null },
      ],
    },
    snapshot: () => ports.state,
    testConnection: async (bankCode) => {
      calls.push({ method: 'testConnection', args: [bankCode] });
      return ports.connection;
    },
    triggerPaymentRun: async (request) => {
      calls.push({ method: 'triggerPaymentRun', args: [request] });
      return ports.nextRun;
    },
    resolveManualIntervention: async (...args) => {
      calls.push({ method: 'resolveManualIntervention', args });
    },
    retryNow: async (...args) => {
      calls.push({ method: 'retryNow', args });
    },
    redateBatch: async (...args) => {
      calls.push({ method: 'redateBatch', args });
    },
    cancelBatch: async (...args) => {
      calls.push({ method: 'cancelBatch', args });
    },
  };
  return ports;
}

export interface TestApp {
  app: ReturnType<typeof createApp>;
  ports: FakePorts;
  viewer: string;
  operator: string;
  clock: { now: Date };
  /** Headers with a bearer token (and a client address the limiter keys on). */
  as(token: string | undefined, extra?: Record<string, string>): Record<string, string>;
}

export async function createTestApp(db: Kysely<Database>, overrides: Partial<AppDeps> = {}): Promise<TestApp> {
  const ports = fakePorts();
  const clock = { now: TEST_NOW };
  const viewer = (await createApiToken(db, { name: 'test-viewer', role: 'viewer' })).token;
  const operator = (await createApiToken(db, { name: 'test-operator', role: 'operator' })).token;
  const app = createApp({
    db,
    dbKind: 'pglite',
    monitor: { banks: TEST_BANKS, ports },
    now: () => clock.now,
    clientAddress: (c) => c.req.header('x-test-client') ?? '192.0.2.1',
    dashboardCacheMs: 0,
    ...overrides,
  });
  return {
    app,
    ports,
    viewer,
    operator,
    clock,
    as: (token, extra = {}) => ({ ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra }),
  };
}

/** The `value` of the first `<input name="csrf">` of a page. */
export function csrfField(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('the page has no CSRF field');
  return match[1]!;
}

/** `name=value` of a Set-Cookie header for that cookie name. */
export function cookiePair(response: Response, name: string): string | undefined {
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  return cookie?.split(';')[0];
}

/**
 * Signs in to the operations page as a browser would (sign-in form with its CSRF cookie, then the session
 * cookie) and returns the session cookie and the session's CSRF token.
 */
export async function pageSignIn(
  app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> },
  token: string,
  headers: Record<string, string> = {},
): Promise<{ cookie: string; csrf: string; login: Response }> {
  const form = await app.request('/', { headers });
  const loginCookie = cookiePair(form, 'bsm_login_csrf');
  const login = await app.request('/login', {
    method: 'POST',
    headers: { ...headers, cookie: loginCookie ?? '' },
    body: new URLSearchParams({ token, csrf: csrfField(await form.text()) }),
  });
  const cookie = cookiePair(login, 'bsm_session');
  if (login.status !== 303 || !cookie) throw new Error(`sign-in failed with ${login.status}`);
  const page = await app.request('/', { headers: { ...headers, cookie } });
  return { cookie, csrf: csrfField(await page.text()), login };
}
