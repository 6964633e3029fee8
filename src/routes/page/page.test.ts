/** What the operations page shows an operator about a failing bank and today's reconciliation (server-rendered). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedMonitorData } from '../../../test/api/seed.ts';
import { openTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { createTestApp, pageSignIn, type TestApp } from '../test-helpers.ts';

let db: TestDatabase;
let t: TestApp;

beforeAll(async () => {
  db = await openTestDatabase();
  await seedMonitorData(db.db);
  t = await createTestApp(db.db);
  const file = await db.db
    .insertInto('reconciliation_files')
    .values({
      bank_code: 'mega',
      remote_name: 'RESULT_20261126.txt',
      remote_size: 10,
      remote_mtime: 1,
      sha256: 'c'.repeat(64),
      status: 'applied',
      received_at: new Date('2026-11-26T08:30:00+08:00'),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const txs = await db.db.selectFrom('transactions').select(['id', 'status']).orderBy('id').execute();
  await db.db
    .insertInto('reconciliation_records')
    .values([
      ...txs.map((tx, i) => ({
        file_id: file.id,
        line: i + 1,
        record_type: 'D',
        matched_transaction: tx.id,
        match_result: 'matched' as const,
        raw: JSON.stringify({}),
      })),
      { file_id: file.id, line: 9, record_type: 'D', match_result: 'unmatched' as const, raw: JSON.stringify({}) },
    ])
    .execute();
  await db.db.updateTable('transactions').set({ status: 'settled' }).where('id', '=', txs[0]!.id).execute();
});
afterAll(async () => {
  await db?.close();
});

describe('operations page', () => {
  it('shows a failing bank with its last error and when its breaker half-opens', async () => {
    const { cookie } = await pageSignIn(t.app, t.viewer);
    const html = await (await t.app.request('/', { headers: { cookie } })).text();
    const tile = /<section class="tile breaker-open[^"]*" data-bank="ctbc">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
    expect(tile).toContain('Half-open at');
    expect(tile).toContain('09:05');
    expect(tile).toContain('connect ECONNREFUSED 127.0.0.1:20822');
    const mega = /data-bank="mega">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
    expect(mega).not.toContain('Last error');
  });

  it("shows today's reconciliation per bank: files, settled, returned, unmatched", async () => {
    const { cookie } = await pageSignIn(t.app, t.viewer);
    const html = await (await t.app.request('/', { headers: { cookie } })).text();
    const table = /<table id="reconciliation">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
    const cells = (bank: string) =>
      [
        ...(new RegExp(`<tr data-bank="${bank}">([\\s\\S]*?)</tr>`).exec(table)?.[1] ?? '').matchAll(
          /<td[^>]*>([^<]*)<\/td>/g,
        ),
      ].map((m) => m[1]);
    // one file; of the four matched records one payment settled and one was returned (seed); one unmatched
    expect(cells('mega')).toEqual(['mega', '1', '1', '1', '1']);
    expect(cells('ctbc')).toEqual(['ctbc', '0', '0', '0', '0']);
  });

  it('names a CJK font stack, so bank names do not render as boxes', async () => {
    const html = await (await t.app.request('/')).text();
    expect(html).toMatch(
      /font-family: "Noto Sans CJK TC", [^;]*"PingFang TC", "Microsoft JhengHei"[^;]*system-ui, sans-serif/,
    );
  });
});
