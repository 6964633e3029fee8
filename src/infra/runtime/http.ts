/**
 * Serves a fetch handler on Node (node:http through @hono/node-server) and on Deno (Deno.serve). This is the
 * one module that knows which runtime it is on.
 */
import { serve } from '@hono/node-server';

export interface HttpServer {
  port: number;
  close(): Promise<void>;
}

type FetchHandler = (request: Request) => Response | Promise<Response>;

interface DenoServe {
  serve(
    options: { port: number; hostname: string; onListen?: (addr: { port: number }) => void },
    handler: FetchHandler,
  ): { addr: { port: number }; shutdown(): Promise<void>; finished: Promise<void> };
}

export const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined';

export function serveHttp(fetch: FetchHandler, options: { port: number; host: string }): Promise<HttpServer> {
  if (isDeno) {
    const deno = (globalThis as unknown as { Deno: DenoServe }).Deno;
    return new Promise((resolve) => {
      const server = deno.serve(
        {
          port: options.port,
          hostname: options.host,
          onListen: (addr) => resolve({ port: addr.port, close: () => server.shutdown() }),
        },
        fetch,
      );
    });
  }
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port: options.port, hostname: options.host }, (info) => {
      resolve({
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // keep-alive sockets would hold close() open until they time out
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
    server.once('error', reject);
  });
}
