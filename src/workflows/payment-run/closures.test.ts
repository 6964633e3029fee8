/**
 * Ad-hoc closures on one instance's database: declared and cancelled with an audit row, refused for a past
 * date, and a closure of a day whose batches are already built stops them (`value_date_closed`) so nothing for
 * that day reaches the bank, even when the upload is attempted by an instance that has not reloaded its calendar.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { loadConfig } from '../../infra/config/load.ts';
import { setCalendarOverride } from '../../infra/db/repositories/calendar-overrides.ts';
import { seedDemo } from '../../infra/db/seed-demo.ts';
import { sha256Hex } from '../sha256.ts';
import { buildBatchesForBank } from './build-batches.ts';
import { type ClosureRefused, declareClosure, listClosures, reopenClosure } from './closures.ts';
import { type DeliverDeps, deliverBatch } from './deliver-batch.ts';
import { releaseCutoffMissedBatch } from './operator-actions.ts';
import { startPaymentRun } from './payment-run.ts';

const TODAY = '2026-12-08';
const TOMORROW = '2026-12-09';
const now = new Date(`${TODAY}T05:00:00+08:00`);
const config = loadConfig('config/banking.json', {});
const ctbc = config.banks.find((b) => b.bank_code === 'ctbc')!;

describe('ad-hoc closures', () => {
  let handle: TestDatabase;
  const uploaded: string[] = [];
  let deps: DeliverDeps;
  beforeEach(async () => {
    handle = await openTestDatabase();
    uploaded.length = 0;
    deps = {
      db: handle.db,
      now: () => now,
      instanceId: 'test',
      crypto: { protect: async (_b, _n, data) => data, open: async (_b, _n, data) => data },
      transport: {
        async upload(bank, file) {
          uploaded.push(file.name);
          return {
            outcome: 'uploaded',
            remotePath: `${bank.upload_path}/${file.name}`,
            bytes: file.bytes.length,
            sha256: sha256Hex(file.bytes),
            durationMs: 1,
          };
        },
        listStable: async () => ({ files: [], rejected: [] }),
        download: async () => {
          throw new Error('not used');
        },
        healthCheck: async () => ({ latencyMs: 1 }),
      },
    };
  });
  afterEach(() => handle?.close());

  const buildTomorrow = async () => {
    await seedDemo(handle.db, { dueDate: TOMORROW, bankCodes: ['ctbc', 'mega'], perBank: 4, unencodable: false });
    const built = [];
    for (const bank of config.banks.filter((b) => ['ctbc', 'mega'].includes(b.bank_code))) {
      built.push(
        ...(
          await buildBatchesForBank(handle.db, { bank, company: config.company, valueDate: TOMORROW, runId: null, now })
        ).batches,
      );
    }
    return built;
  };

  it('is declared and cancelled with the operator, the time and the reason in the audit log', async () => {
    await declareClosure(handle.db, { day: TOMORROW, reason: '颱風假', actor: 'cli:alice', now, audit: true });
    expect(await listClosures(handle.db, TODAY)).toEqual([
      expect.objectContaining({ day: TOMORROW, bankCode: '*', reason: '颱風假', createdBy: 'cli:alice' }),
    ]);
    await reopenClosure(handle.db, { day: TOMORROW, actor: 'cli:bob', now, audit: true });
    expect(await listClosures(handle.db, TODAY)).toEqual([]);
    const audit = await handle.db.selectFrom('audit_log').select(['actor', 'action', 'target', 'details']).execute();
    expect(audit).toEqual([
      expect.objectContaining({ actor: 'cli:alice', action: 'calendar.close', target: TOMORROW }),
      expect.objectContaining({ actor: 'cli:bob', action: 'calendar.reopen', target: TOMORROW }),
    ]);
    expect(audit[0]!.details).toMatchObject({ reason: '颱風假', bank_code: '*' });
  });

  it('refuses a date already past, a blank reason, and reopening a day that is not closed', async () => {
    const refused = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: unknown) => (e as ClosureRefused).reason,
      );
    expect(await refused(declareClosure(handle.db, { day: '2026-12-07', reason: 'late', actor: 'a', now }))).toBe(
      'past',
    );
    expect(await refused(declareClosure(handle.db, { day: TOMORROW, reason: '   ', actor: 'a', now }))).toBe('invalid');
    expect(await refused(reopenClosure(handle.db, { day: '2026-12-07', actor: 'a', now }))).toBe('past');
    expect(await refused(reopenClosure(handle.db, { day: TOMORROW, actor: 'a', now }))).toBe('not_found');
    expect(await handle.db.selectFrom('calendar_overrides').selectAll().execute()).toEqual([]);
  });

  it('stops the batches already built for a newly closed day: value_date_closed, nothing uploaded', async () => {
    const built = await buildTomorrow();
    expect(built).toHaveLength(2);
    const { stoppedBatches } = await declareClosure(handle.db, {
      day: TOMORROW,
      bankCode: 'ctbc',
      reason: '颱風假',
      actor: 'ops',
      now,
    });
    const ctbcBatch = built.find((b) => b.batch_number.startsWith('CTBC'))!;
    expect(stoppedBatches).toEqual([ctbcBatch.id]);
    const states = await handle.db
      .selectFrom('payment_batches')
      .select(['bank_code', 'state'])
      .orderBy('bank_code')
      .execute();
    expect(states).toEqual([
      { bank_code: 'ctbc', state: 'value_date_closed' },
      { bank_code: 'mega', state: 'generated' },
    ]);
    const exceptions = await handle.db.selectFrom('exceptions').select(['kind', 'ref', 'message']).execute();
    expect(exceptions).toEqual([expect.objectContaining({ kind: 'value_date_closed', ref: `batch:${ctbcBatch.id}` })]);
    expect(exceptions[0]!.message).toContain(ctbcBatch.batch_number);
    expect(exceptions[0]!.message).toContain(ctbcBatch.file_name);

    expect(await deliverBatch(deps, ctbc, ctbcBatch.id)).toBe('skipped');
    expect(uploaded).toEqual([]);
    // it waits for the operator like cutoff_missed: cancelling releases its invoices
    const released = await releaseCutoffMissedBatch(handle.db, ctbcBatch.id, { actor: 'ops', reason: 'typhoon', now });
    expect(released.invoices).toBe(4);
  });

  it("an upload on an open day records when the bank's answer is due (expected_result_by)", async () => {
    const built = await buildTomorrow();
    const withWindow: DeliverDeps = { ...deps, expectedResultBy: () => '2026-12-11' };
    expect(await deliverBatch(withWindow, ctbc, built.find((b) => b.batch_number.startsWith('CTBC'))!.id)).toBe(
      'uploaded',
    );
    const txs = await handle.db
      .selectFrom('transactions')
      .select(['status', 'expected_result_by'])
      .where('bank_code', '=', 'ctbc')
      .execute();
    expect(txs).toHaveLength(4);
    for (const t of txs) expect(t).toEqual({ status: 'sent', expected_result_by: '2026-12-11' });
  });

  it('a run on any path (a recovery run too) builds nothing for a bank whose day is closed, and says why', async () => {
    await seedDemo(handle.db, { dueDate: TOMORROW, bankCodes: ['ctbc', 'mega'], perBank: 4, unencodable: false });
    const started = await startPaymentRun(
      {
        db: handle.db,
        config,
        now: () => now,
        instanceId: 'test',
        deliver: async () => {},
        closedDay: (bank) => (bank.bank_code === 'ctbc' ? `not run: value date ${TOMORROW} is closed for ctbc` : null),
      },
      { trigger: 'recovery', valueDate: TOMORROW, bankCodes: ['ctbc', 'mega'] },
    );
    if (!('done' in started)) throw new Error('expected a started run');
    const summary = await started.done;
    expect(summary.status).toBe('partial');
    expect(summary.banks.find((b) => b.bank_code === 'ctbc')).toMatchObject({
      batches: 0,
      error: expect.stringContaining('closed'),
    });
    expect(summary.banks.find((b) => b.bank_code === 'mega')).toMatchObject({ batches: 1, transactions: 4 });
    const batches = await handle.db.selectFrom('payment_batches').select('bank_code').execute();
    expect(batches).toEqual([{ bank_code: 'mega' }]);
  });

  it('an upload by an instance that missed the change reads the closure fresh and sends nothing', async () => {
    const built = await buildTomorrow();
    const ctbcBatch = built.find((b) => b.batch_number.startsWith('CTBC'))!;
    // the override lands without this instance's knowledge (as if written by another instance a moment ago)
    await setCalendarOverride(handle.db, { day: TOMORROW, kind: 'holiday', reason: '颱風假', createdBy: 'other' });
    expect(await deliverBatch(deps, ctbc, ctbcBatch.id)).toBe('value_date_closed');
    expect(uploaded).toEqual([]);
    const batch = await handle.db
      .selectFrom('payment_batches')
      .select('state')
      .where('id', '=', ctbcBatch.id)
      .executeTakeFirstOrThrow();
    expect(batch.state).toBe('value_date_closed');
    expect(await handle.db.selectFrom('transfers').selectAll().execute()).toEqual([]);
  });
});
