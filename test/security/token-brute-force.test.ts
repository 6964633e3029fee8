/**
 * Token guessing against the monitor API over real HTTP (node:http server on 127.0.0.1, the peer address taken
 * from the socket as in production, default limits: 10 failures per 10 min, then 15 min blocked). The attacker
 * connects from 127.0.0.2, an operator from 127.0.0.1; the block expires on an injected clock, never by sleeping.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/infra/db/repositories/api-tokens.ts';
import { type HttpServer, serveHttp } from '../../src/infra/runtime/http.ts';
import { DEFAULT_FAILED_AUTH_LIMITS } from '../../src/routes/auth/failed-auth-limiter.ts';
import { createApp } from '../../src/routes/create-app.ts';
import { bankSnapshot, fakePorts, TEST_BANKS, TEST_NOW } from '../../src/routes/test-helpers.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';

const HEALTH = '/api/v1/banking-monitor/health';
const ATTACKER = '127.0.0.2';
const OPERATOR = '127.0.0.1';

let db: TestDatabase;
let server: HttpServer;
let app: ReturnType<typeof createApp>;
let token: string;
const clock = { now: TEST_NOW };
const errors: unknown[] = [];

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(
  path: string,
  options: { from: string; token?: string; method?: string; body?: string; headers?: Record<string, string> },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method: options.method ?? 'GET',
        localAddress: options.from,
        agent: false,
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const guess = (i: number) => `bsm_${'guess'.padEnd(40, String(i % 10))}${i}`;

beforeAll(async () => {
  db = await openTestDatabase();
  token = (await createApiToken(db.db, { name: 'ops', role: 'operator' })).token;
  const ports = fakePorts();
  ports.state.banks = TEST_BANKS.map((b) => bankSnapshot(b.bank_code));
  app = createApp({
    db: db.db,
    dbKind: 'pglite',
    monitor: { banks: TEST_BANKS, ports },
    now: () => clock.now,
    logger: { error: (obj) => errors.push(obj) },
  });
  server = await serveHttp(app.fetch, { port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await server?.close();
  await db?.close();
});

describe('token brute force on the monitor API', () => {
  it('refuses further bad tokens from an address with 429 + Retry-After after 10; good tokens always work', async () => {
    const max = DEFAULT_FAILED_AUTH_LIMITS.maxFailures;
    for (let i = 0; i < max; i++) {
      const reply = await call(HEALTH, { from: ATTACKER, token: guess(i) });
      expect(reply.status).toBe(401);
      expect(reply.headers['content-type']).toBe('application/problem+json');
    }
    const blocked = await call(HEALTH, { from: ATTACKER, token: guess(99) });
    expect(blocked.status).toBe(429);
    expect(blocked.headers['retry-after']).toBe(String(DEFAULT_FAILED_AUTH_LIMITS.blockMs / 1000));
    expect(JSON.parse(blocked.body)).toMatchObject({
      type: 'urn:banking-sftp:problem:rate-limited',
      status: 429,
      retry_after_seconds: DEFAULT_FAILED_AUTH_LIMITS.blockMs / 1000,
    });
    // a correct token from the blocked address is served: behind NAT or a proxy many operators share an
    // address, and 256-bit tokens are not found by guessing at this pace anyway
    expect((await call(HEALTH, { from: ATTACKER, token })).status).toBe(200);
    // a spoofed X-Forwarded-For does not get the attacker a fresh allowance (no trusted proxies configured)
    expect(
      (await call(HEALTH, { from: ATTACKER, token: guess(100), headers: { 'x-forwarded-for': '203.0.113.9' } })).status,
    ).toBe(429);
    // the page's sign-in form shares the limit
    const form = await call('/', { from: ATTACKER });
    const csrf = /name="csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
    const formCookie = String(form.headers['set-cookie'] ?? '').split(';')[0] ?? '';
    const login = await call('/login', {
      from: ATTACKER,
      method: 'POST',
      body: `token=${encodeURIComponent(guess(101))}&csrf=${encodeURIComponent(csrf)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: formCookie },
    });
    expect(login.status).toBe(429);

    // the operator on another address is not affected
    const ok = await call(HEALTH, { from: OPERATOR, token });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toHaveProperty('banks');

    // Retry-After counts down on the clock, and the address is let in once it has passed
    clock.now = new Date(clock.now.getTime() + 60_000);
    const later = await call(HEALTH, { from: ATTACKER, token: guess(102) });
    expect(later.headers['retry-after']).toBe(String(DEFAULT_FAILED_AUTH_LIMITS.blockMs / 1000 - 60));
    clock.now = new Date(clock.now.getTime() + DEFAULT_FAILED_AUTH_LIMITS.blockMs);
    expect((await call(HEALTH, { from: ATTACKER, token: guess(103) })).status).toBe(401);
    expect(errors).toEqual([]);
  });

  it('a burst of parallel guesses gets no more answers than the limit allows', async () => {
    clock.now = new Date(clock.now.getTime() + DEFAULT_FAILED_AUTH_LIMITS.windowMs + 1);
    // Straight into the app's fetch handler with the socket the Node adapter would hand it: over loopback the
    // connections are accepted one by one, here all 60 lookups are under way at once, as under load.
    const env = { incoming: { socket: { remoteAddress: '127.0.0.3' } } };
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        app.fetch(new Request(`http://monitor${HEALTH}`, { headers: { authorization: `Bearer ${guess(i)}` } }), env),
      ),
    );
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(DEFAULT_FAILED_AUTH_LIMITS.maxFailures);
    expect(statuses.filter((s) => s === 429)).toHaveLength(60 - DEFAULT_FAILED_AUTH_LIMITS.maxFailures);
    expect((await call(HEALTH, { from: OPERATOR, token })).status).toBe(200);
  });
});
