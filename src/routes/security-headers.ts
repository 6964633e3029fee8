/**
 * Response headers that keep a browser from being turned against the operator: a Content-Security-Policy per
 * kind of response (the page: scripts and styles only with the per-response nonce; Swagger UI: its own files;
 * everything else: nothing at all), `frame-ancestors 'none'` against clickjacking, `nosniff`, no referrer, and
 * HSTS when the request came over TLS (directly or via a trusted proxy). See docs/api.md ("Browser security").
 */
import type { Context, MiddlewareHandler } from 'hono';
import { NONCE, secureHeaders } from 'hono/secure-headers';

const COMMON = {
  referrerPolicy: 'no-referrer',
  xFrameOptions: 'DENY',
  // HSTS only under TLS, below: over plain HTTP the header is meaningless and would mislead a reader.
  strictTransportSecurity: false,
  crossOriginEmbedderPolicy: false,
} as const;

const pageHeaders = secureHeaders({
  ...COMMON,
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: [NONCE],
    styleSrc: [NONCE],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    formAction: ["'self'"],
    baseUri: ["'none'"],
    frameAncestors: ["'none'"],
  },
});

const docsHeaders = secureHeaders({
  ...COMMON,
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    // Swagger UI sets style attributes and injects a few style elements of its own.
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    formAction: ["'self'"],
    baseUri: ["'none'"],
    frameAncestors: ["'none'"],
  },
});

const apiHeaders = secureHeaders({
  ...COMMON,
  contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
});

const HSTS = 'max-age=31536000; includeSubDomains';

const isDocs = (path: string) => path === '/docs' || path.startsWith('/docs/');
const isApi = (path: string) => path.startsWith('/api/') || path === '/openapi.json' || path === '/metrics';

export function securityHeaders(isTls: (c: Context) => boolean): MiddlewareHandler {
  return async (c, next) => {
    const path = c.req.path;
    const headers = isDocs(path) ? docsHeaders : isApi(path) || path === '/healthz' ? apiHeaders : pageHeaders;
    await headers(c, next);
    if (isTls(c)) c.res.headers.set('strict-transport-security', HSTS);
  };
}
