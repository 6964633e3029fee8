/**
 * What keeps the monitor usable and safe on a bank network: the client behind a trusted proxy, lockouts that
 * touch only the guessing client, page sessions with CSRF tokens, browser security headers, body limit and
 * problem+json for unknown routes, wrong methods and wrong content types.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { cookiePair, createTestApp, pageSignIn, type TestApp } from './test-helpers.ts';

let db: TestDatabase;
let t: TestApp;
const lockouts: Array<{ client: string }> = [];

beforeAll(async () => {
  db = await openTestDatabase();
  t = await createTestApp(db.db, {
    clientAddress: undefined,
    trustedProxies: ['10.0.0.0/8', '::1'],
    onLockout: (e) => lockouts.push(e),
  });
});
afterAll(async () => {
  await db?.close();
});

/** What @hono/node-server hands the app: the socket the request came in on. */
const peer = (remoteAddress: string) => ({ incoming: { socket: { remoteAddress } } });
const API = '/api/v1/banking-monitor';

describe('client address and the failed-auth limit', () => {
  const health = (token: string, from: string, forwardedFor?: string) =>
    t.app.request(
      `${API}/health`,
      { headers: t.as(token, forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
      peer(from),
    );

  it('11 bad tokens from one client behind the proxy lock out that client only, never a valid token', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++)
      statuses.push((await health(`bsm_guess-number-${i}-xxxx`, '10.0.0.2', '198.51.100.20')).status);
    expect(statuses).toEqual([...Array(10).fill(401), 429]);
    expect(lockouts).toEqual([{ client: '198.51.100.20', blockSeconds: 900 }]);
    // another client behind the same proxy: a bad token is only a 401, a good one is served
    expect((await health('bsm_typo-of-another-operator', '10.0.0.2', '198.51.100.21')).status).toBe(401);
    expect((await health(t.viewer, '10.0.0.2', '198.51.100.21')).status).toBe(503);
    // the locked-out client itself still gets in with a valid token
    expect((await health(t.operator, '10.0.0.2', '198.51.100.20')).status).toBe(503);
  });

  it('believes X-Forwarded-For only from a trusted proxy, and takes the nearest untrusted hop', async () => {
    // an untrusted peer claiming to be the locked-out client is judged by its own address
    expect((await health('bsm_spoofed-forwarded-for', '203.0.113.50', '198.51.100.20')).status).toBe(401);
    // a client writing a fake first hop through the proxy is still itself
    expect((await health('bsm_fake-first-hop-token', '10.0.0.2', '198.51.100.20, 192.0.2.99')).status).toBe(401);
  });
});

describe('page sessions', () => {
  it('sign-out revokes the session: the old cookie no longer opens the page', async () => {
    const { cookie, csrf } = await pageSignIn(t.app, t.viewer);
    const out = await t.app.request('/logout', {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ csrf }),
    });
    expect(out.status).toBe(303);
    const again = await t.app.request('/', { headers: { cookie } });
    expect(await again.text()).toContain('name="token"');
    const row = await db.db.selectFrom('monitor_sessions').select(['revoked_at']).executeTakeFirstOrThrow();
    expect(row.revoked_at).not.toBeNull();
  });

  it('a form post without the session CSRF token is refused and nothing is done', async () => {
    const { cookie } = await pageSignIn(t.app, t.operator);
    const before = t.ports.calls.length;
    const forged = await t.app.request('/actions/retry/1', {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({}),
    });
    expect(forged.status).toBe(403);
    const wrong = await t.app.request('/actions/retry/1', {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ csrf: 'not-the-token-of-this-session' }),
    });
    expect(wrong.status).toBe(403);
    expect(t.ports.calls.length).toBe(before);
  });

  it('a session ends when it expires and when its token is revoked', async () => {
    const app = await createTestApp(db.db, { sessionTtlMs: 60_000 });
    const { cookie } = await pageSignIn(app.app, app.viewer);
    expect(await (await app.app.request('/', { headers: { cookie } })).text()).toContain('class="tile ');
    app.clock.now = new Date(app.clock.now.getTime() + 61_000);
    expect(await (await app.app.request('/', { headers: { cookie } })).text()).toContain('name="token"');
  });

  it('marks the cookie Secure and sends HSTS when TLS ended at a trusted proxy, not when anyone says so', async () => {
    const viaProxy = await pageSignIn(t.app, t.viewer, { 'x-forwarded-proto': 'https' });
    // app.request has no socket: the peer is unknown, so the header is not believed
    expect(viaProxy.login.headers.getSetCookie().join('\n')).not.toMatch(/Secure/);
    const request = (path: string, init: RequestInit, from: string) => t.app.request(path, init, peer(from));
    const form = await request('/', { headers: { 'x-forwarded-proto': 'https' } }, '10.0.0.2');
    expect(form.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(cookiePair(form, 'bsm_login_csrf')).toBeDefined();
    expect(form.headers.getSetCookie()[0]).toMatch(/; Secure/);
    const spoofed = await request('/', { headers: { 'x-forwarded-proto': 'https' } }, '203.0.113.50');
    expect(spoofed.headers.get('strict-transport-security')).toBeNull();
    expect(spoofed.headers.getSetCookie()[0]).not.toMatch(/Secure/);
  });

  it('sends a CSP with a per-response nonce and no inline script without it, no framing, nosniff, no referrer', async () => {
    const { cookie } = await pageSignIn(t.app, t.viewer);
    const page = await t.app.request('/', { headers: { cookie } });
    const csp = page.headers.get('content-security-policy') ?? '';
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await page.text();
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const attrs of scripts) expect(attrs).toContain(`nonce="${nonce}"`);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const next = await t.app.request('/', { headers: { cookie } });
    expect(next.headers.get('content-security-policy')).not.toContain(nonce);
    const api = await t.app.request(`${API}/health`, { headers: t.as(t.viewer) });
    expect(api.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('HTTP hygiene', () => {
  const isProblem = async (res: Response, status: number, kind: string) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = (await res.json()) as { type: string; status: number };
    expect(body.type).toBe(`urn:banking-sftp:problem:${kind}`);
    expect(body.status).toBe(status);
  };

  it('answers a 2 MB body with 413 without reading it whole', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(0x7b);
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= 2 * 1024 * 1024) return controller.close();
        pulled += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const request = new Request(`http://localhost${API}/exceptions/1/resolve`, {
      method: 'POST',
      headers: { ...t.as(t.operator), 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    await isProblem(await t.app.request(request), 413, 'payload-too-large');
    expect(pulled).toBeLessThanOrEqual(1024 * 1024 + 2 * chunk.length);
    // with a Content-Length the answer comes before any of the body is read
    const declared = await t.app.request(`${API}/exceptions/1/resolve`, {
      method: 'POST',
      headers: { ...t.as(t.operator), 'content-type': 'application/json', 'content-length': String(2 * 1024 * 1024) },
      body: 'x'.repeat(2 * 1024 * 1024),
    });
    await isProblem(declared, 413, 'payload-too-large');
  });

  it('answers an unknown route with a problem+json 404', async () => {
    await isProblem(await t.app.request('/no/such/route'), 404, 'not-found');
    await isProblem(await t.app.request(`${API}/no-such-resource`, { headers: t.as(t.viewer) }), 404, 'not-found');
  });

  it('answers a wrong method with a problem+json 405 and Allow', async () => {
    const res = await t.app.request('/openapi.json', { method: 'DELETE' });
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    await isProblem(res, 405, 'method-not-allowed');
    const api = await t.app.request(`${API}/retry-queue/1/retry`, { headers: t.as(t.operator) });
    expect(api.headers.get('allow')).toBe('POST');
    await isProblem(api, 405, 'method-not-allowed');
  });

  it('answers a body of the wrong content type with 415', async () => {
    const res = await t.app.request(`${API}/exceptions/1/resolve`, {
      method: 'POST',
      headers: { ...t.as(t.operator), 'content-type': 'text/plain' },
      body: 'resolution=done',
    });
    await isProblem(res, 415, 'unsupported-media-type');
  });
});
