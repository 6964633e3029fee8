/**
 * A notice whose delivery fails stays visible and is retried with backoff (simulated clock), is delivered once
 * the receiver answers, and gives up after the configured attempts; dedupe keys let one of several instances
 * send a notice. Breaker-open and key-expiry notices on top.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { createLogger } from '../telemetry/logger.ts';
import { createAlertNotices } from './alert-notices.ts';
import { createNotifier, notificationBackoffMs } from './notifier.ts';

const silent = createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) });

let handle: TestDatabase;
let server: Server;
let url: string;
let answer = 503;
const received: Array<{ subject: string }> = [];

beforeAll(async () => {
  handle = await openTestDatabase();
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (answer < 300) received.push(JSON.parse(body) as { subject: string });
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await handle.close();
});
beforeEach(async () => {
  received.length = 0;
  await handle.db.deleteFrom('outbox_messages').execute();
});

function notifierAt(clock: { now: Date }, failures: string[] = []) {
  return createNotifier({
    db: handle.db,
    logger: silent,
    mail: { from: 'banking@example.test', to: [], webhook_url: url, retry_max_attempts: 3 },
    now: () => clock.now,
    retryEveryMs: 0,
    onDeliveryFailure: (channel) => failures.push(channel),
  });
}

const row = () =>
  handle.db.selectFrom('outbox_messages').selectAll().where('channel', '=', 'webhook').executeTakeFirstOrThrow();

describe('failed notices', () => {
  it('backs off 1, 2, 4 minutes and at most an hour', () => {
    expect([1, 2, 3, 10].map(notificationBackoffMs)).toEqual([60_000, 120_000, 240_000, 3600_000]);
  });

  it('stay failed with the next attempt time, are retried when due, and are sent once the receiver answers', async () => {
    const clock = { now: new Date('2026-11-26T09:00:00+08:00') };
    const failures: string[] = [];
    const notifier = notifierAt(clock, failures);
    answer = 503;
    await notifier.notify({ kind: 'breaker_open', subject: 'bank ctbc is down', text: 'x' });
    let r = await row();
    expect(r).toMatchObject({ status: 'failed', attempts: 1, error: 'webhook answered 503' });
    expect(r.next_attempt_at?.toISOString()).toBe('2026-11-26T01:01:00.000Z');
    expect(failures).toEqual(['webhook']);
    // not due yet: nothing is tried
    clock.now = new Date('2026-11-26T09:00:30+08:00');
    expect(await notifier.retryDue()).toBe(0);
    clock.now = new Date('2026-11-26T09:01:00+08:00');
    expect(await notifier.retryDue()).toBe(1);
    r = await row();
    expect(r).toMatchObject({ status: 'failed', attempts: 2 });
    expect(r.next_attempt_at?.toISOString()).toBe('2026-11-26T01:03:00.000Z');
    answer = 200;
    clock.now = new Date('2026-11-26T09:03:00+08:00');
    await notifier.retryDue();
    expect(await row()).toMatchObject({ status: 'sent', attempts: 3, next_attempt_at: null });
    expect(received.map((m) => m.subject)).toEqual(['bank ctbc is down']);
    notifier.close();
  });

  it('give up after the configured attempts and stay visible as failed', async () => {
    const clock = { now: new Date('2026-11-26T09:00:00+08:00') };
    const notifier = notifierAt(clock);
    answer = 500;
    await notifier.notify({ kind: 'x', subject: 'never arrives', text: 'x' });
    for (let i = 0; i < 5; i++) {
      clock.now = new Date(clock.now.getTime() + 3600_000);
      await notifier.retryDue();
    }
    expect(await row()).toMatchObject({ status: 'failed', attempts: 3, next_attempt_at: null });
    notifier.close();
  });

  it('a notice with a dedupe key is sent once, whichever instance writes it first', async () => {
    const clock = { now: new Date('2026-11-26T09:00:00+08:00') };
    answer = 200;
    const a = notifierAt(clock);
    const b = notifierAt(clock);
    const notice = { kind: 'breaker_open', subject: 'bank ctbc is down', text: 'x', dedupeKey: 'breaker-open:ctbc:1' };
    await Promise.all([a.notify(notice), b.notify(notice)]);
    expect(received).toHaveLength(1);
    a.close();
    b.close();
  });
});

describe('breaker-open and key-expiry notices', () => {
  it('announce a breaker opening once (not at each failed half-open probe) and a key at each threshold', async () => {
    const clock = { now: new Date('2026-11-26T09:00:00+08:00') };
    answer = 200;
    const notifier = notifierAt(clock);
    let breaker: 'closed' | 'open' | 'half_open' = 'closed';
    let daysLeft = 40;
    const notices = createAlertNotices({
      notify: (n) => notifier.notify(n),
      breakers: () => [
        {
          bankCode: 'ctbc',
          breaker,
          openUntil: breaker === 'closed' ? null : new Date('2026-11-26T09:05:00+08:00'),
          lastError: 'connect ECONNREFUSED for account 12345678901234',
        },
      ],
      keys: async () => [
        { bankCode: 'ctbc', key: 'bank:AAAA', daysLeft },
        { bankCode: 'ctbc', key: 'ours:BBBB', daysLeft: null },
      ],
      warnDays: 30,
      onError: (e) => {
        throw e;
      },
    });
    await notices.checkBreakers();
    breaker = 'open';
    await notices.checkBreakers();
    breaker = 'half_open';
    await notices.checkBreakers();
    breaker = 'open';
    await notices.checkBreakers();
    expect(received.map((m) => m.subject)).toEqual(['banking-sftp: bank ctbc is down (circuit breaker open)']);
    const text = (received[0] as unknown as { text: string }).text;
    expect(text).not.toContain('12345678901234');
    expect(text).toContain('1234');

    received.length = 0;
    await notices.checkKeys();
    daysLeft = 29;
    await notices.checkKeys();
    await notices.checkKeys();
    daysLeft = 13;
    await notices.checkKeys();
    expect(received.map((m) => m.subject)).toEqual([
      'banking-sftp: PGP key bank:AAAA of bank ctbc expires in 29 days',
      'banking-sftp: PGP key bank:AAAA of bank ctbc expires in 13 days',
    ]);
    notifier.close();
  });
});
