/**
 * `GET /events`: Server-Sent Events of what changes in the system (batch state changes, new exceptions,
 * retry-queue changes, bank breaker/health changes), so the operations page updates itself without reloading.
 * Authenticated like every read: a bearer token, or the operations page's session cookie (EventSource cannot
 * send headers).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { problems } from '../problem.ts';
import { createRouter } from '../router.ts';
import { security } from '../schemas.ts';
import type { EventHub, LiveEvent } from './event-hub.ts';

const HEARTBEAT_MS = 15_000;

export const eventsRoute = createRoute({
  method: 'get',
  path: '/events',
  tags: ['events'],
  summary: 'Live updates as Server-Sent Events',
  description:
    'A `text/event-stream` that stays open. Event names: `batch` (a batch changed state: `batch_id`, ' +
    '`batch_number`, `bank_code`, `from_state`, `to_state`, `actor`, `at`), `exception` (a new exception: `id`, ' +
    '`bank_code`, `kind`, `ref`), `retry-queue` (an entry changed: `updated_at`), `bank` (breaker, health or ' +
    'queue size of a bank changed: `bank_code`, `breaker`, `health`, `queue_size`). `data` is JSON. A comment ' +
    'line is sent every 15 s so proxies keep the connection open. Changes are detected within about 250 ms.',
  security,
  responses: {
    200: {
      description: 'The event stream',
      content: {
        'text/event-stream': {
          schema: z.string().openapi({
            example: 'event: batch\ndata: {"batch_id":17,"from_state":"uploading","to_state":"uploaded"}\n\n',
          }),
        },
      },
    },
    ...problems(401),
  },
});

export function eventsRoutes(hub: EventHub) {
  return createRouter().openapi(eventsRoute, (c) => {
    c.header('cache-control', 'no-store');
    // proxies such as nginx buffer responses unless told not to; a buffered stream is no live update
    c.header('x-accel-buffering', 'no');
    return streamSSE(c, async (stream) => {
      let wake: (() => void) | undefined;
      const queue: LiveEvent[] = [];
      const unsubscribe = await hub.subscribe((events) => {
        queue.push(...events);
        wake?.();
      });
      let open = true;
      stream.onAbort(() => {
        open = false;
        wake?.();
      });
      let id = 0;
      try {
        await stream.writeSSE({ event: 'ready', data: '{}' });
        while (open) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            const timer = setTimeout(resolve, HEARTBEAT_MS);
            timer.unref?.();
          });
          wake = undefined;
          if (!open) break;
          if (queue.length === 0) {
            await stream.write(': keep-alive\n\n');
            continue;
          }
          for (const e of queue.splice(0)) {
            await stream.writeSSE({ event: e.event, data: JSON.stringify(e.data), id: String(++id) });
          }
        }
      } finally {
        unsubscribe();
      }
    }) as never;
  });
}
