/** Exceptions: list and resolve. */
import { createRouter, type MonitorContext } from '../router.ts';
import { exceptionsHandlers } from './exceptions.handlers.ts';
import { listExceptionsRoute, resolveExceptionRoute } from './exceptions.routes.ts';

export function exceptionsRoutes(ctx: MonitorContext) {
  const h = exceptionsHandlers(ctx);
  return createRouter()
    .openapi(listExceptionsRoute, h.listExceptions)
    .openapi(resolveExceptionRoute, h.resolveException);
}
