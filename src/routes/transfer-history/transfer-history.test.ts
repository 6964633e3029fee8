/**
 * The page's instants are formatted by the database (see listTransfers): these pin what a client receives,
 * field by field, so the SQL and the OpenAPI schema cannot drift apart.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { createTestApp, type TestApp } from '../test-helpers.ts';
import { TransferPageSchema } from './transfer-history.routes.ts';

let db: TestDatabase;
let t: TestApp;

beforeAll(async () => {
  db = await openTestDatabase();
  t = await createTestApp(db.db);
  await sql`insert into transfers (bank_code, direction, remote_path, bytes, sha256, duration_ms, attempt, result,
              error, error_class, started_at)
            values ('ctbc', 'upload', '/incoming/payments/PAY_20261126_0001.txt', 9007199254740, ${'ab'.repeat(32)},
                    184, 2, 'failure', 'bank rejected account 123456789012 for A123456789', 'remote_rejected',
                    '2026-11-26 06:00:41.123789+08'),
                   ('mega', 'download', '/outgoing/RET_1.txt', 512, null, 7, 1, 'already_done', null, null,
                    '2026-11-25 23:59:59.9999+08'),
                   ('esun', 'upload', '/incoming/a.txt', 1, null, 1, 1, 'success', null, null,
                    '2026-11-25 23:59:59.9999+08')`.execute(db.db);
});
afterAll(async () => {
  await db?.close();
});

async function page(query: string) {
  const response = await t.app.request(`/api/v1/banking-monitor/transfer-history?${query}`, {
    headers: t.as(t.viewer),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = await response.json();
  return TransferPageSchema.strict().parse(body);
}

describe('GET /transfer-history body', () => {
  it('sends each field as the schema says: Taipei instant to the millisecond, error masked, status named', async () => {
    const first = await page('limit=1');
    expect(first.items).toEqual([
      {
        id: expect.any(Number),
        bank_code: 'ctbc',
        direction: 'upload',
        remote_path: '/incoming/payments/PAY_20261126_0001.txt',
        bytes: 9007199254740,
        sha256: 'ab'.repeat(32),
        duration_ms: 184,
        attempt: 2,
        status: 'failure',
        error: 'bank rejected account ********9012 for ******6789',
        error_class: 'remote_rejected',
        batch_id: null,
        // truncated, not rounded, like Date#toISOString
        started_at: '2026-11-26T06:00:41.123+08:00',
      },
    ]);
    expect(first.next_cursor).toEqual(expect.any(String));
  });

  it('pages through rows with the same instant without skipping or repeating, and ends with a null cursor', async () => {
    const first = await page('limit=2');
    const second = await page(`limit=2&cursor=${first.next_cursor}`);
    expect(second.next_cursor).toBeNull();
    const rest = [...first.items.slice(1), ...second.items];
    expect(rest.map((i) => i.bank_code).sort()).toEqual(['esun', 'mega']);
    expect(rest.map((i) => i.started_at)).toEqual(['2026-11-25T23:59:59.999+08:00', '2026-11-25T23:59:59.999+08:00']);
    expect(rest.find((i) => i.bank_code === 'mega')).toMatchObject({
      sha256: null,
      error: null,
      status: 'already_done',
    });
  });

  it('an empty page is valid JSON with no cursor', async () => {
    expect(await page('bank_code=cathay')).toEqual({ items: [], next_cursor: null });
  });
});
