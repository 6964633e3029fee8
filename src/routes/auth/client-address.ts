/**
 * The peer address of a request, read from what the runtime adapter hands Hono as `env`: @hono/node-server
 * passes `{ incoming }`, Deno.serve passes `{ remoteAddr }`. X-Forwarded-For is not trusted: put the limiter
 * behind a proxy only with `clientAddress` set to read the proxy's header.
 */
import type { Context } from 'hono';

export function peerAddress(c: Context): string {
  const env = c.env as
    | { incoming?: { socket?: { remoteAddress?: string } }; remoteAddr?: { hostname?: string } }
    | undefined;
  return env?.incoming?.socket?.remoteAddress ?? env?.remoteAddr?.hostname ?? 'unknown';
}
