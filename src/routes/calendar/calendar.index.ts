/** Ad-hoc closures (typhoon days): list, declare, cancel. Changes need an operator token and are audit-logged. */
import { createRouter, type MonitorContext } from '../router.ts';
import { calendarHandlers } from './calendar.handlers.ts';
import { declareClosure, listClosures, reopenClosure } from './calendar.routes.ts';

export function calendarRoutes(ctx: MonitorContext) {
  const h = calendarHandlers(ctx);
  return createRouter()
    .openapi(listClosures, h.listClosures)
    .openapi(declareClosure, h.declareClosure)
    .openapi(reopenClosure, h.reopenClosure);
}
