import type { z } from '@hono/zod-openapi';
import type { Context, TypedResponse } from 'hono';

/**
 * Sends JSON that is already text (a cached value serialised once) typed as the route's schema, so the handler
 * still satisfies its `RouteHandler`. Nothing checks the text here: each use has a test that parses the
 * response with the schema.
 */
export function jsonText<S extends z.ZodType, Status extends 200 | 503>(
  c: Context,
  _schema: S,
  text: string,
  status: Status,
): Response & TypedResponse<z.output<S>, Status, 'json'> {
  return c.body(text, status, { 'content-type': 'application/json' }) as unknown as Response &
    TypedResponse<z.output<S>, Status, 'json'>;
}
