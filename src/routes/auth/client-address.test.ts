import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { clientResolver, trustedProxyList } from './client-address.ts';

async function resolve(trusted: string[], peer: string, headers: Record<string, string> = {}, url = 'http://svc/x') {
  const resolver = clientResolver(trusted);
  const app = new Hono().get('/x', (c) => c.json({ client: resolver.clientAddress(c), tls: resolver.isTls(c) }));
  const response = await app.request(url, { headers }, { incoming: { socket: { remoteAddress: peer } } });
  return (await response.json()) as { client: string; tls: boolean };
}

describe('client address', () => {
  it('is the socket peer when no proxy is trusted, whatever the headers say', async () => {
    expect(
      await resolve([], '203.0.113.5', { 'x-forwarded-for': '198.51.100.1', 'x-forwarded-proto': 'https' }),
    ).toEqual({
      client: '203.0.113.5',
      tls: false,
    });
  });

  it('is the nearest untrusted hop behind trusted proxies, IPv4-mapped peers included', async () => {
    const trusted = ['10.0.0.0/8', 'fd00::/8'];
    expect(
      await resolve(trusted, '::ffff:10.1.2.3', { 'x-forwarded-for': '192.0.2.7, 198.51.100.1, 10.9.9.9' }),
    ).toEqual({
      client: '198.51.100.1',
      tls: false,
    });
    expect((await resolve(trusted, 'fd00::5', { 'x-forwarded-proto': 'https' })).tls).toBe(true);
    // a trusted proxy that sent no X-Forwarded-For: the proxy itself
    expect((await resolve(trusted, '10.1.2.3')).client).toBe('10.1.2.3');
  });

  it('counts a request over TLS as TLS without any proxy', async () => {
    expect((await resolve([], '203.0.113.5', {}, 'https://svc/x')).tls).toBe(true);
  });

  it('refuses a trusted_proxies entry that is not an address or range, naming it', () => {
    expect(() => trustedProxyList(['10.0.0.0/33'])).toThrow('"10.0.0.0/33" has a bad prefix length');
    expect(() => trustedProxyList(['proxy.local'])).toThrow('"proxy.local" is not an IP address or CIDR range');
  });
});
