import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { createLogger } from '../telemetry/logger.ts';
import { createNotifier } from './notifier.ts';

const silent = createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) });

describe('notifier', () => {
  let handle: TestDatabase;
  let smtp: SMTPServer;
  let smtpPort: number;
  const delivered: Array<{ to: string[]; raw: string }> = [];

  beforeAll(async () => {
    handle = await openTestDatabase();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        let raw = '';
        stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
        stream.on('end', () => {
          delivered.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpPort = (smtp.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await handle.close();
  });

  it('delivers through SMTP and records the message as sent', async () => {
    const notifier = createNotifier({
      db: handle.db,
      logger: silent,
      mail: {
        from: 'banking@example.test',
        to: ['ops@example.test'],
        smtp: { host: '127.0.0.1', port: smtpPort, secure: false },
      },
    });
    await notifier.notify({
      kind: 'confirmation',
      subject: 'Batch CTBC202611260001 uploaded',
      text: '12 transactions',
    });
    notifier.close();
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.to).toEqual(['ops@example.test']);
    expect(delivered[0]!.raw).toContain('Subject: Batch CTBC202611260001 uploaded');
    const row = await handle.db
      .selectFrom('outbox_messages')
      .selectAll()
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('sent');
  });

  it('keeps the message in the outbox as failed when the mail server is down', async () => {
    const notifier = createNotifier({
      db: handle.db,
      logger: silent,
      mail: { from: 'b@example.test', to: ['ops@example.test'], smtp: { host: '127.0.0.1', port: 1, secure: false } },
    });
    await notifier.notify({ kind: 'exception', subject: 'Unmatched record', text: 'details' });
    const row = await handle.db
      .selectFrom('outbox_messages')
      .selectAll()
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', subject: 'Unmatched record' });
    expect(row.error).toMatch(/ECONNREFUSED|connect/);
  });

  it('with no SMTP configured, writes the outbox and logs', async () => {
    const notifier = createNotifier({ db: handle.db, logger: silent, mail: { from: 'b@example.test', to: [] } });
    await notifier.notify({ kind: 'report', subject: 'Daily report', text: 'all good' });
    const row = await handle.db
      .selectFrom('outbox_messages')
      .selectAll()
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'logged', subject: 'Daily report', channel: 'email' });
  });

  it('posts the notice to the webhook when one is configured', async () => {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        bodies.push(body);
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const notifier = createNotifier({
      db: handle.db,
      logger: silent,
      mail: { from: 'b@x.test', to: [], webhook_url: url },
    });
    await notifier.notify({ kind: 'exception', subject: 'Amount mismatch', text: 'TX1' });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(JSON.parse(bodies[0]!)).toEqual({ kind: 'exception', subject: 'Amount mismatch', text: 'TX1' });
  });
});
