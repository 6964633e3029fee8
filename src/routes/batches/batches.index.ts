/** Batches: detail, trigger a payment run, and the operator's decision on a `cutoff_missed` batch. */
import { createRouter, type MonitorContext } from '../router.ts';
import { batchesHandlers } from './batches.handlers.ts';
import { cancelBatch, generateBatches, getBatch, redateBatch } from './batches.routes.ts';

export function batchesRoutes(ctx: MonitorContext) {
  const h = batchesHandlers(ctx);
  return createRouter()
    .openapi(generateBatches, h.generateBatches)
    .openapi(getBatch, h.getBatch)
    .openapi(redateBatch, h.redateBatch)
    .openapi(cancelBatch, h.cancelBatch);
}
