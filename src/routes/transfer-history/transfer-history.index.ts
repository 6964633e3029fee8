/** `GET /transfer-history`: every recorded transfer, keyset-paginated. */
import { createRouter, type MonitorContext } from '../router.ts';
import { transferHistoryHandlers } from './transfer-history.handlers.ts';
import { getTransferHistory } from './transfer-history.routes.ts';

export function transferHistoryRoutes(ctx: MonitorContext) {
  const h = transferHistoryHandlers(ctx);
  return createRouter().openapi(getTransferHistory, h.getTransferHistory);
}
