/** Per-bank operator actions. */
import { createRouter, type MonitorContext } from '../router.ts';
import { banksHandlers } from './banks.handlers.ts';
import { resolveManualIntervention } from './banks.routes.ts';

export function banksRoutes(ctx: MonitorContext) {
  const h = banksHandlers(ctx);
  return createRouter().openapi(resolveManualIntervention, h.resolveManualIntervention);
}
