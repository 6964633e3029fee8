/** @jsxImportSource hono/jsx */
/**
 * The operations page at `/`: server-rendered, usable with JavaScript off (live updates need it). Sign-in takes a
 * monitor token once and opens a session of its own: the cookie holds a random session id (HTTP-only,
 * SameSite=Strict, Secure under TLS), the database its hash, its expiry and a CSRF token that every form
 * carries. Operator actions go through the API in-process (see PAGE_PRINCIPAL), so they are validated and
 * audit-logged exactly as API calls. See docs/api.md ("The operations page").
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import { batchDetail, findBatch } from '../../infra/db/repositories/monitor-batches.ts';
import { authenticate, type MonitorAuthOptions, PAGE_PRINCIPAL } from '../auth/monitor-auth.ts';
import { type PageSession, SESSION_COOKIE, type SessionStore, sameToken } from '../auth/sessions.ts';
import type { DashboardData } from '../dashboard/dashboard.handlers.ts';
import { Problem } from '../problem.ts';
import { API_BASE, type MonitorContext } from '../router.ts';
import { loadPageData } from './page.data.ts';
import { BatchPage, DashboardPage, LoginPage, MessagePage, type Viewer } from './page.view.tsx';

export { SESSION_COOKIE };

/** Double-submit token of the sign-in form, which has no session yet (against login CSRF). */
const LOGIN_CSRF_COOKIE = 'bsm_login_csrf';
const FLASH_COOKIE = 'bsm_flash';

export type PageAuth = Pick<MonitorAuthOptions, 'verifier' | 'limiter' | 'clientAddress' | 'onLockout'> & {
  sessions: SessionStore;
  isTls: (c: Context) => boolean;
  /** The whole app's fetch, to carry out a form action through the API. */
  dispatch: (request: Request, env: unknown) => Response | Promise<Response>;
};

interface PageAction {
  path: (ref: string) => string;
  body: (form: Record<string, string>) => Record<string, string> | undefined;
  done: (ref: string) => string;
}

const encodeRef = (ref: string) => encodeURIComponent(ref);

/** Page form -> API call. The API validates the fields and writes the audit entry. */
const ACTIONS: Record<string, PageAction> = {
  retry: {
    path: (id) => `/retry-queue/${encodeRef(id)}/retry`,
    body: () => undefined,
    done: (id) => `Retry-queue entry ${id} was re-attempted.`,
  },
  'resolve-exception': {
    path: (id) => `/exceptions/${encodeRef(id)}/resolve`,
    body: (f) => ({ resolution: f.resolution ?? '' }),
    done: (id) => `Exception ${id} is resolved.`,
  },
  redate: {
    path: (id) => `/batches/${encodeRef(id)}/redate`,
    body: (f) => ({ value_date: f.value_date ?? '', ...(f.note ? { note: f.note } : {}) }),
    done: (id) => `Batch ${id} was re-dated.`,
  },
  cancel: {
    path: (id) => `/batches/${encodeRef(id)}/cancel`,
    body: (f) => ({ reason: f.reason ?? '' }),
    done: (id) => `Batch ${id} was cancelled.`,
  },
  'resolve-manual': {
    path: (bank) => `/banks/${encodeRef(bank)}/resolve-manual-intervention`,
    body: (f) => ({ note: f.note ?? '' }),
    done: (bank) => `Manual intervention of ${bank} is resolved.`,
  },
};

const nonceOf = (c: Context) => (c.get('secureHeadersNonce' as never) as string | undefined) ?? '';

async function formFields(c: Context): Promise<Record<string, string>> {
  const type = c.req.header('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) return {};
  const form = await c.req.parseBody();
  return Object.fromEntries(
    Object.entries(form).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v.trim()] as const] : [])),
  );
}

export function pageRoutes(ctx: MonitorContext, auth: PageAuth, dashboard: (days: number) => Promise<DashboardData>) {
  const app = new Hono();
  const cookieBase = (c: Context) => ({
    httpOnly: true,
    sameSite: 'Strict' as const,
    secure: auth.isTls(c),
    path: '/',
  });

  const page = (c: Context, body: unknown, status: 200 | 401 | 403 | 404 | 429 = 200) => {
    c.header('cache-control', 'no-store');
    return c.html(html`<!DOCTYPE html>${body}`, status);
  };

  const loginPage = (c: Context, error?: string, status: 200 | 401 | 403 | 429 = 200) => {
    const csrf = randomBytes(24).toString('base64url');
    setCookie(c, LOGIN_CSRF_COOKIE, csrf, { ...cookieBase(c), maxAge: 3600 });
    return page(c, <LoginPage error={error} csrf={csrf} nonce={nonceOf(c)} />, status);
  };

  const viewerOf = (c: Context, session: PageSession): Viewer => {
    const flash = getCookie(c, FLASH_COOKIE);
    if (flash) deleteCookie(c, FLASH_COOKIE, { path: '/' });
    let parsed: Viewer['flash'];
    try {
      parsed = flash ? (JSON.parse(decodeURIComponent(flash)) as Viewer['flash']) : undefined;
    } catch {
      parsed = undefined;
    }
    return {
      who: `${session.name} (${session.role})`,
      canAct: session.role === 'operator',
      csrf: session.csrfToken,
      nonce: nonceOf(c),
      flash: parsed && typeof parsed.text === 'string' ? { text: parsed.text, failed: !!parsed.failed } : undefined,
    };
  };

  /** The session of a form post, or the refusal page: no session, or the form's CSRF token is not the session's. */
  const formSession = async (c: Context, form: Record<string, string>) => {
    const session = await auth.sessions.current(c);
    if (!session)
      return {
        refused: page(
          c,
          <MessagePage title="Signed out" message="Your session has ended; sign in again." nonce={nonceOf(c)} />,
          401,
        ),
      };
    if (!sameToken(form.csrf, session.csrfToken)) {
      return {
        refused: page(
          c,
          <MessagePage
            title="Refused"
            message="The form is not from this session (missing or wrong CSRF token); nothing was done."
            nonce={nonceOf(c)}
          />,
          403,
        ),
      };
    }
    return { session };
  };

  app.get('/', async (c) => {
    const session = await auth.sessions.current(c);
    if (!session) return loginPage(c);
    const data = await loadPageData(ctx, dashboard);
    return page(c, <DashboardPage data={data} viewer={viewerOf(c, session)} />);
  });

  app.get('/batches/:ref', async (c) => {
    const session = await auth.sessions.current(c);
    if (!session) return c.redirect('/', 303);
    const ref = c.req.param('ref');
    const batch = /^[A-Za-z0-9_-]{1,64}$/.test(ref) ? await findBatch(ctx.db, ref) : undefined;
    if (!batch) {
      return page(
        c,
        <MessagePage title="Not found" message={`Batch ${ref} does not exist.`} nonce={nonceOf(c)} />,
        404,
      );
    }
    const detail = await batchDetail(ctx.db, batch);
    return page(c, <BatchPage view={{ batch, detail }} viewer={viewerOf(c, session)} now={ctx.now()} />);
  });

  app.post('/login', async (c) => {
    const form = await formFields(c);
    if (!sameToken(form.csrf, getCookie(c, LOGIN_CSRF_COOKIE))) {
      return loginPage(c, 'The sign-in form expired; try again.', 403);
    }
    let principal: Awaited<ReturnType<typeof authenticate>>;
    try {
      principal = await authenticate(auth, c, form.token || undefined);
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      const message = error.kind === 'rate-limited' ? error.detail : 'That token is not valid.';
      return loginPage(c, message, error.status === 429 ? 429 : 401);
    }
    const opened = await auth.sessions.open(principal);
    deleteCookie(c, LOGIN_CSRF_COOKIE, { path: '/' });
    setCookie(c, SESSION_COOKIE, opened.sessionId, {
      ...cookieBase(c),
      maxAge: Math.floor(auth.sessions.ttlMs / 1000),
    });
    return c.redirect('/', 303);
  });

  app.post('/logout', async (c) => {
    const form = await formFields(c);
    const { refused } = await formSession(c, form);
    if (refused) return refused;
    await auth.sessions.revoke(c);
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: auth.isTls(c) });
    return c.redirect('/', 303);
  });

  app.post('/actions/:action/:ref', async (c) => {
    const form = await formFields(c);
    const { session, refused } = await formSession(c, form);
    if (refused) return refused;
    const action = ACTIONS[c.req.param('action')];
    if (!action) return page(c, <MessagePage title="Not found" message="No such action." nonce={nonceOf(c)} />, 404);
    const ref = c.req.param('ref');
    const body = action.body(form);
    const request = new Request(new URL(`${API_BASE}${action.path(ref)}`, c.req.url), {
      method: 'POST',
      headers: body ? { 'content-type': 'application/json' } : {},
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    // the runtime's env (the socket, for the client address) stays reachable through the prototype: Deno's is a
    // class instance whose getters a spread would drop
    const env = Object.assign(Object.create((c.env as object | undefined) ?? null) as object, {
      [PAGE_PRINCIPAL]: session.principal,
    });
    const response = await auth.dispatch(request, env);
    let flash: { text: string; failed: boolean };
    if (response.ok) flash = { text: action.done(ref), failed: false };
    else {
      const problem = (await response.json().catch(() => ({}))) as { detail?: string; title?: string };
      flash = { text: `Refused: ${problem.detail ?? problem.title ?? response.status}`, failed: true };
    }
    setCookie(c, FLASH_COOKIE, encodeURIComponent(JSON.stringify(flash)), { ...cookieBase(c), maxAge: 60 });
    const back = form.back && /^\/(?!\/)[A-Za-z0-9/_-]*$/.test(form.back) ? form.back : '/';
    return c.redirect(back, 303);
  });

  return app;
}
