/** @jsxImportSource hono/jsx */
/**
 * The operations page at `/`: server-rendered, no build step, usable with JavaScript off. Sign-in takes a monitor
 * token (viewer is enough) and keeps it in an HTTP-only, SameSite=Strict cookie, so page scripts never see it and
 * other sites cannot ride on it.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import { authenticate, type MonitorAuthOptions } from '../auth/monitor-auth.ts';
import type { DashboardData } from '../dashboard/dashboard.handlers.ts';
import { Problem } from '../problem.ts';
import type { MonitorContext } from '../router.ts';
import { loadPageData } from './page.data.ts';
import { DashboardPage, LoginPage } from './page.view.tsx';

export const SESSION_COOKIE = 'bsm_session';

type AuthOptions = Pick<MonitorAuthOptions, 'verifier' | 'limiter' | 'clientAddress'>;

const isHttps = (c: Context) => new URL(c.req.url).protocol === 'https:';

export function pageRoutes(
  ctx: MonitorContext,
  auth: AuthOptions,
  dashboard: (days: number) => Promise<DashboardData>,
) {
  const app = new Hono();

  const loginFailed = (c: Context, error: unknown) => {
    if (!(error instanceof Problem)) throw error;
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    const message =
      error.kind === 'rate-limited' ? error.detail : error.kind === 'unauthorized' ? 'That token is not valid.' : '';
    return c.html(html`<!DOCTYPE html>${<LoginPage error={message || undefined} />}`, error.status === 429 ? 429 : 401);
  };

  app.get('/', async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (!token) return c.html(html`<!DOCTYPE html>${<LoginPage />}`);
    let principal: Awaited<ReturnType<typeof authenticate>>;
    try {
      principal = await authenticate(auth, c, token);
    } catch (error) {
      return loginFailed(c, error);
    }
    const data = await loadPageData(ctx, dashboard);
    c.header('cache-control', 'no-store');
    return c.html(html`<!DOCTYPE html>${<DashboardPage data={data} who={`${principal.name} (${principal.role})`} />}`);
  });

  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    try {
      await authenticate(auth, c, token || undefined);
    } catch (error) {
      return loginFailed(c, error);
    }
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: isHttps(c),
      path: '/',
      maxAge: 12 * 3600,
    });
    return c.redirect('/', 303);
  });

  app.post('/logout', (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/', 303);
  });

  return app;
}
