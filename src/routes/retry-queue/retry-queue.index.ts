/** The durable retry queue: list, and retry one entry now. */
import { createRouter, type MonitorContext } from '../router.ts';
import { retryQueueHandlers } from './retry-queue.handlers.ts';
import { listRetryQueueRoute, retryNowRoute } from './retry-queue.routes.ts';

export function retryQueueRoutes(ctx: MonitorContext) {
  const h = retryQueueHandlers(ctx);
  return createRouter().openapi(listRetryQueueRoute, h.listRetryQueue).openapi(retryNowRoute, h.retryNow);
}
