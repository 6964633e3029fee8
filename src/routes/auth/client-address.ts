/**
 * Who is asking, and over what. The socket peer comes from what the runtime adapter hands Hono as `env`
 * (@hono/node-server passes `{ incoming }`, Deno.serve passes `{ remoteAddr }`). `X-Forwarded-For` and
 * `X-Forwarded-Proto` are believed only when that peer is one of `service.trusted_proxies`: anyone else could
 * write them. See docs/api.md ("Behind a reverse proxy").
 */
import { BlockList, isIP } from 'node:net';
import type { Context } from 'hono';

export function peerAddress(c: Context): string {
  const env = c.env as
    | { incoming?: { socket?: { remoteAddress?: string } }; remoteAddr?: { hostname?: string } }
    | undefined;
  return unmapped(env?.incoming?.socket?.remoteAddress ?? env?.remoteAddr?.hostname ?? 'unknown');
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is 10.0.0.1. */
function unmapped(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

export interface ClientResolver {
  /** The client the failed-auth limiter and the audit log key on. */
  clientAddress(c: Context): string;
  /** The request reached us over TLS: directly, or via a trusted proxy that says so. */
  isTls(c: Context): boolean;
}

/** Parses entries like `10.0.0.5`, `::1`, `10.0.0.0/8`, `fd00::/8`; throws naming a bad one. */
export function trustedProxyList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address);
    if (family === 0) throw new Error(`service.trusted_proxies: "${entry}" is not an IP address or CIDR range`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else {
      const bits = Number(prefix);
      if (!/^\d{1,3}$/.test(prefix) || bits > (family === 4 ? 32 : 128)) {
        throw new Error(`service.trusted_proxies: "${entry}" has a bad prefix length`);
      }
      list.addSubnet(address, bits, type);
    }
  }
  return list;
}

export function clientResolver(
  trustedProxies: readonly string[] = [],
  peer: (c: Context) => string = peerAddress,
): ClientResolver {
  const list = trustedProxyList(trustedProxies);
  const trusted = (address: string) => {
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
  return {
    clientAddress(c) {
      const socket = peer(c);
      if (!trusted(socket)) return socket;
      // Walk the chain from the nearest hop: the first address not a trusted proxy is the client. Entries left
      // of it were written by the client and prove nothing.
      const hops = (c.req.header('x-forwarded-for') ?? '')
        .split(',')
        .map((h) => unmapped(h.trim()))
        .filter((h) => h !== '');
      for (let i = hops.length - 1; i >= 0; i--) {
        const hop = hops[i]!;
        if (!trusted(hop)) return isIP(hop) ? hop : socket;
      }
      return hops[0] ?? socket;
    },
    isTls(c) {
      if (new URL(c.req.url).protocol === 'https:') return true;
      if (!trusted(peer(c))) return false;
      const proto = (c.req.header('x-forwarded-proto') ?? '').split(',').at(-1)?.trim().toLowerCase();
      return proto === 'https';
    },
  };
}
