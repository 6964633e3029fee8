import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { createApiToken, revokeApiToken } from '../../infra/db/repositories/api-tokens.ts';
import { cookiePair, createTestApp, csrfField, pageSignIn, type TestApp } from '../test-helpers.ts';
import { FailedAuthLimiter } from './failed-auth-limiter.ts';
import { TokenVerifier } from './token-verifier.ts';

let db: TestDatabase;
let t: TestApp;

beforeAll(async () => {
  db = await openTestDatabase();
  t = await createTestApp(db.db, { failedAuthLimits: { maxFailures: 3, windowMs: 60_000, blockMs: 300_000 } });
});
afterAll(async () => {
  await db?.close();
});

const health = (token: string | undefined, client = '198.51.100.7') =>
  t.app.request('/api/v1/banking-monitor/health', { headers: t.as(token, { 'x-test-client': client }) });

describe('failed-auth rate limit', () => {
  it('refuses further bad tokens from a client for the block, never a valid token, and reports the lockout', async () => {
    const lockouts: unknown[] = [];
    const app = await createTestApp(db.db, {
      failedAuthLimits: { maxFailures: 3, windowMs: 60_000, blockMs: 300_000 },
      onLockout: (event) => lockouts.push(event),
    });
    const call = (token: string) =>
      app.app.request('/api/v1/banking-monitor/health', {
        headers: app.as(token, { 'x-test-client': '198.51.100.7' }),
      });
    for (let i = 0; i < 3; i++) expect((await call(`bsm_wrong-token-number-${i}`)).status).toBe(401);
    expect(lockouts).toEqual([{ client: '198.51.100.7', blockSeconds: 300 }]);
    const blocked = await call('bsm_wrong-token-number-4');
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('300');
    expect(((await blocked.json()) as { type: string }).type).toBe('urn:banking-sftp:problem:rate-limited');
    // the same client with a good token is served (503: the test system has no actors behind it)
    expect((await call(app.viewer)).status).toBe(503);
    app.clock.now = new Date(app.clock.now.getTime() + 301_000);
    expect((await call('bsm_wrong-token-number-5')).status).toBe(401);
    expect(lockouts).toHaveLength(1);
  });

  it('forgets failures older than the window', () => {
    let now = new Date('2026-11-26T09:00:00+08:00');
    const limiter = new FailedAuthLimiter({ now: () => now, limits: { maxFailures: 2, windowMs: 60_000 } });
    limiter.recordFailure('a');
    now = new Date(now.getTime() + 61_000);
    limiter.recordFailure('a');
    expect(limiter.retryAfterSeconds('a')).toBe(0);
    limiter.recordFailure('a');
    expect(limiter.retryAfterSeconds('a')).toBeGreaterThan(0);
  });
});

describe('tokens', () => {
  it('a revoked token stops working once the token cache expires', async () => {
    const { id, token } = await createApiToken(db.db, { name: 'soon-gone', role: 'viewer' });
    expect((await health(token, '203.0.113.1')).status).toBe(503);
    await revokeApiToken(db.db, id, new Date());
    t.clock.now = new Date(t.clock.now.getTime() + 6_000);
    expect((await health(token, '203.0.113.1')).status).toBe(401);
  });

  it('requests arriving while a token is looked up share that one query, also after the cache expires', async () => {
    let lookups = 0;
    const counting = db.db.withPlugin({
      transformQuery: (args) => {
        if (args.node.kind === 'SelectQueryNode' && JSON.stringify(args.node).includes('"api_tokens"')) lookups++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    let now = new Date('2026-11-26T09:00:00+08:00');
    const verifier = new TokenVerifier(counting, () => now, 5_000);
    const burst = () => Promise.all(Array.from({ length: 20 }, () => verifier.verify(t.viewer)));
    expect((await burst()).map((p) => p?.role)).toEqual(Array(20).fill('viewer'));
    expect(lookups).toBe(1);
    now = new Date(now.getTime() + 5_001);
    await burst();
    expect(lookups).toBe(2);
    const wrong = await Promise.all(Array.from({ length: 5 }, () => verifier.verify('bsm_no-such-token-here')));
    expect(wrong).toEqual(Array(5).fill(undefined));
    expect(lookups).toBe(3);
  });

  it('stores only the SHA-256 of a token', async () => {
    const rows = await db.db.selectFrom('api_tokens').select('token_sha256').execute();
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_sha256))).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(t.viewer);
  });
});

describe('operations page sign-in', () => {
  it('shows the login form, opens a session of its own for a good token, rejects a bad one', async () => {
    const anonymous = await t.app.request('/');
    const form = await anonymous.text();
    expect(form).toContain('name="token"');
    const loginCookie = cookiePair(anonymous, 'bsm_login_csrf') ?? '';
    const bad = await t.app.request('/login', {
      method: 'POST',
      body: new URLSearchParams({ token: 'bsm_wrong-wrong-wrong', csrf: csrfField(form) }),
      headers: { 'x-test-client': '203.0.113.9', cookie: loginCookie },
    });
    expect(bad.status).toBe(401);
    expect(await bad.text()).toContain('That token is not valid.');
    const { cookie, login } = await pageSignIn(t.app, t.viewer);
    const set = login.headers.getSetCookie().find((c) => c.startsWith('bsm_session=')) ?? '';
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).not.toMatch(/Secure/);
    // the cookie is a session id, not the token
    expect(cookie).not.toContain(t.viewer);
    const page = await t.app.request('/', { headers: { cookie } });
    const html = await page.text();
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.match(/class="tile /g)).toHaveLength(5);
    expect(html).toContain('<svg');
  });

  it('refuses a sign-in post without the form token of the sign-in page', async () => {
    const res = await t.app.request('/login', { method: 'POST', body: new URLSearchParams({ token: t.viewer }) });
    expect(res.status).toBe(403);
    expect(cookiePair(res, 'bsm_session')).toBeUndefined();
  });
});
