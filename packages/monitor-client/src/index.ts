/**
 * Typed client of the banking-sftp monitor API. `schema.ts` is generated from openapi/openapi.json by
 * `npm run openapi` (never edit it by hand; CI fails when it is out of date); requests go through openapi-fetch,
 * so paths, parameters, bodies and responses are checked by the TypeScript compiler.
 *
 * @example
 *   const api = createMonitorClient({ baseUrl: 'https://monitor.example', token: process.env.BSM_TOKEN! });
 *   const { data, error } = await api.GET('/api/v1/banking-monitor/retry-queue', { params: { query: { limit: 20 } } });
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './schema.ts';

export type { components, operations, paths };
export type MonitorClient = Client<paths>;
export type Problem = components['schemas']['Problem'];

export interface MonitorClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where the service (or the reverse proxy in front of it) answers, e.g. `https://monitor.bank.local`. */
  baseUrl: string;
  /** A token from `banking-sftp tokens create --role viewer|operator`. */
  token: string;
}

export function createMonitorClient(options: MonitorClientOptions): MonitorClient {
  const { token, headers, ...rest } = options;
  return createClient<paths>({
    ...rest,
    headers: { ...(headers as Record<string, string> | undefined), authorization: `Bearer ${token}` },
  });
}
