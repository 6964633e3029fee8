/**
 * Masking by what a value is, through the real outlets: the pino logger (lines captured), the monitor API
 * (exception and batch bodies) and the mail (a real SMTP server on loopback). The batch number, file name,
 * run id, transaction and invoice ids an operator needs appear in full; no account or ID number does.
 * ESUN's code ends in a letter that is not hex and CTBC's in one that is: both batch numbers stay whole.
 */
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifier } from '../src/infra/mail/notifier.ts';
import { createLogger } from '../src/infra/telemetry/logger.ts';
import { createTestApp } from '../src/routes/test-helpers.ts';
import { openTestDatabase, type TestDatabase } from './support/db.ts';

const ACCOUNT = '09010001234567';
const ID_NUMBER = 'A123456789';
const UBN_ACCOUNT = '12345678901';
const NEEDED = [
  'ESUN202612080001',
  'CTBC202612080002',
  'REC_ESUN_20261208_0002.txt',
  'PAY_20261208_0001.txt',
  '5c1d0e2a-1234-5678-9012-987654321098',
  'TX202612080000012345',
  'INV-20261208-ESUN-0042',
];
const MESSAGE =
  `REC_ESUN_20261208_0002.txt line 3 (ESUN202612080001, CTBC202612080002, PAY_20261208_0001.txt): ` +
  `TX202612080000012345 of INV-20261208-ESUN-0042 in run 5c1d0e2a-1234-5678-9012-987654321098 ` +
  `was paid to account ${ACCOUNT} (holder ${ID_NUMBER}), not 123-456-78901`;

function expectReadableAndMasked(text: string) {
  for (const id of NEEDED) expect(text).toContain(id);
  expect(text).not.toContain(ACCOUNT);
  expect(text).not.toContain(ID_NUMBER);
  expect(text).not.toContain(UBN_ACCOUNT);
  expect(text).not.toContain('123-456-78901');
  expect(text).toContain('4567');
}

describe('masking by what a value is', () => {
  let handle: TestDatabase;
  beforeAll(async () => {
    handle = await openTestDatabase();
  });
  afterAll(() => handle?.close());

  it('the real logger: message, fields and error keep our identifiers, mask the account and ID', () => {
    const lines: string[] = [];
    const log = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk, _e, cb) {
          lines.push(chunk.toString());
          cb();
        },
      }),
    });
    log.warn(
      {
        batch_number: 'ESUN202612080001',
        file: 'REC_ESUN_20261208_0002.txt',
        run_id: '5c1d0e2a-1234-5678-9012-987654321098',
        account_number: ACCOUNT,
        id_number: ID_NUMBER,
        err: new Error(MESSAGE),
      },
      MESSAGE,
    );
    expect(lines).toHaveLength(1);
    expectReadableAndMasked(lines[0]!);
    const line = JSON.parse(lines[0]!) as Record<string, string>;
    expect(line.batch_number).toBe('ESUN202612080001');
    expect(line.account_number).toBe('**********4567');
  });

  it('the API: an exception shows the file name and batch number in full, never the account', async () => {
    const t = await createTestApp(handle.db);
    await handle.db
      .insertInto('exceptions')
      .values({
        bank_code: 'esun',
        kind: 'amount_mismatch',
        ref: 'tx:TX202612080000012345',
        message: MESSAGE,
        details: JSON.stringify({
          file: 'REC_ESUN_20261208_0002.txt',
          batch_number: 'ESUN202612080001',
          account_number: ACCOUNT,
          note: MESSAGE,
        }),
      })
      .execute();
    const response = await t.app.request('/api/v1/banking-monitor/exceptions', { headers: t.as(t.viewer) });
    expect(response.status).toBe(200);
    const body = await response.text();
    expectReadableAndMasked(body);
    expect(body).toContain('"batch_number":"ESUN202612080001"');
  });

  it('the mail: subject and text keep the identifiers, mask the account', async () => {
    const delivered: string[] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, callback) {
        let raw = '';
        stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
        stream.on('end', () => {
          delivered.push(raw);
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    try {
      const notifier = createNotifier({
        db: handle.db,
        logger: createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
        mail: {
          from: 'banking@example.test',
          to: ['ops@example.test'],
          smtp: { host: '127.0.0.1', port: (smtp.server.address() as AddressInfo).port, secure: false },
        },
      });
      // one identifier a line, so no mail line wrapping can split one
      await notifier.notify({
        kind: 'exceptions',
        subject: 'ESUN202612080001 account 09010001234567',
        text: MESSAGE.split(' ').join('\n'),
      });
      notifier.close();
      expect(delivered).toHaveLength(1);
      expectReadableAndMasked(delivered[0]!);
      const stored = await handle.db.selectFrom('outbox_messages').selectAll().execute();
      expect(JSON.stringify(stored)).not.toContain(ACCOUNT);
    } finally {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    }
  });
});
