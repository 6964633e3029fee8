/** `POST /test-connection`: a live connection check for one bank, through the bank's actor. */
import { createRouter, type MonitorContext } from '../router.ts';
import { testConnectionHandlers } from './test-connection.handlers.ts';
import { testConnection } from './test-connection.routes.ts';

export function testConnectionRoutes(ctx: MonitorContext) {
  const h = testConnectionHandlers(ctx);
  return createRouter().openapi(testConnection, h.testConnection);
}
