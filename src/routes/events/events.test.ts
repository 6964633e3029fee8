import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedMonitorData } from '../../../test/api/seed.ts';
import { openTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { createTestApp, type TestApp } from '../test-helpers.ts';

let db: TestDatabase;
let t: TestApp;
let seeded: Awaited<ReturnType<typeof seedMonitorData>>;

beforeAll(async () => {
  db = await openTestDatabase();
  seeded = await seedMonitorData(db.db);
  t = await createTestApp(db.db, { eventsPollMs: 100 });
});
afterAll(async () => {
  await db?.close();
});

/** Reads SSE frames off a response body; `next(name, ms)` resolves with the first frame of that event name. */
function frames(response: Response) {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    async next(name: string, withinMs: number): Promise<{ event: string; data: unknown }> {
      const deadline = Date.now() + withinMs;
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event === name) return { event, data: data ? JSON.parse(data) : null };
          continue;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no ${name} event within ${withinMs} ms`);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const chunk = await Promise.race([
          reader.read(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no ${name} event within ${withinMs} ms`)), left);
          }),
        ]).finally(() => clearTimeout(timer));
        if (chunk.done) throw new Error('stream ended');
        buffer += chunk.value;
      }
    },
    cancel: () => reader.cancel(),
  };
}

describe('GET /events', () => {
  it('needs a token', async () => {
    expect((await t.app.request('/api/v1/banking-monitor/events')).status).toBe(401);
  });

  it('delivers a batch state change to a subscriber within 1 s', async () => {
    const res = await t.app.request('/api/v1/banking-monitor/events', { headers: t.as(t.viewer) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const stream = frames(res);
    try {
      await stream.next('ready', 5_000);
      await db.db
        .updateTable('payment_batches')
        .set({ state: 'cancelled' })
        .where('id', '=', seeded.missedBatchId)
        .execute();
      await db.db
        .insertInto('batch_state_history')
        .values({ batch_id: seeded.missedBatchId, from_state: 'cutoff_missed', to_state: 'cancelled', actor: 'ops#2' })
        .execute();
      const started = Date.now();
      const change = await stream.next('batch', 1_000);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(change.data).toMatchObject({
        batch_id: seeded.missedBatchId,
        batch_number: 'MEGA202611260002',
        from_state: 'cutoff_missed',
        to_state: 'cancelled',
        actor: 'ops#2',
      });
    } finally {
      await stream.cancel();
    }
  });

  it('tells of a bank whose breaker changed', async () => {
    const res = await t.app.request('/api/v1/banking-monitor/events', { headers: t.as(t.viewer) });
    const stream = frames(res);
    try {
      await stream.next('ready', 5_000);
      t.ports.state.banks = t.ports.state.banks.map((b) => (b.bankCode === 'mega' ? { ...b, breaker: 'open' } : b));
      expect((await stream.next('bank', 1_000)).data).toMatchObject({ bank_code: 'mega', breaker: 'open' });
    } finally {
      await stream.cancel();
    }
  });
});
