/**
 * Swagger UI at `/docs`, served by the service itself from the pinned `swagger-ui-dist` package (see
 * package.json), so it works on a bank network with no internet. The initialiser is a file, not an inline
 * script, so the page runs under a CSP without 'unsafe-inline' scripts.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';

/**
 * The package's folder, found the way Node resolves it. Not `require('swagger-ui-dist')`: its index loads the
 * whole browser bundle into the service process just to tell us where the files are.
 */
function distFolder(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

// "Try it out" goes to the origin the operator opened /docs on (through the proxy, if any), whatever the
// document's server template says.
const INIT = `window.addEventListener('load', function () {
  fetch('/openapi.json').then(function (r) { return r.json(); }).then(function (spec) {
    spec.servers = [{ url: window.location.origin, description: 'this service' }];
    window.ui = SwaggerUIBundle({ spec: spec, dom_id: '#swagger-ui', deepLinking: true });
  });
});
`;

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>banking-sftp monitor API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script>
</body>
</html>
`;

export function swaggerRoutes(): Hono {
  const app = new Hono();
  const root = distFolder();
  const cache = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();
  app.get('/docs', (c) => c.html(PAGE));
  app.get('/docs/assets/init.js', (c) => c.body(INIT, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
  app.get('/docs/assets/:file', async (c) => {
    const file = c.req.param('file');
    const type = ASSETS[file];
    if (!type) return c.notFound();
    let body = cache.get(file);
    if (!body) {
      body = readFile(join(root, file)).then((b) => Uint8Array.from(b));
      cache.set(file, body);
    }
    return c.body(await body, 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  });
  return app;
}
