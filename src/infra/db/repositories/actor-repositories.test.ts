// One database for the actor repositories' tests: a migrated PGlite costs seconds per test file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../../test/support/db.ts';
import { type BankStateWrite, loadBankState, loadBankStates, saveBankState, toBankStateWrite } from './bank-state.ts';
import { listCalendarOverrides, removeCalendarOverride, setCalendarOverride } from './calendar-overrides.ts';
import { createLeadership } from './leadership.ts';
import {
  claimDueRetries,
  completeRetry,
  enqueueRetry,
  listRetries,
  markRetryManual,
  rescheduleRetry,
  resolveManualRetries,
  retryQueueStats,
} from './retry-queue.ts';
import { claimTick, listDispatchedTicks, pruneDispatchedTicks } from './tick-dispatch.ts';

let handle: TestDatabase;
beforeAll(async () => {
  handle = await openTestDatabase();
});
afterAll(async () => handle?.close());

const t = (iso: string) => new Date(`2026-11-24T${iso}+08:00`);

describe('retry queue repository', () => {
  it('keeps one open entry per (bank, kind, ref): a second failure updates it', async () => {
    const { db } = handle;
    const a = await enqueueRetry(db, { bankCode: 'mega', kind: 'upload', ref: '1', dueAt: t('10:00:00'), error: 'e1' });
    const b = await enqueueRetry(db, {
      bankCode: 'mega',
      kind: 'upload',
      ref: '1',
      dueAt: t('09:00:00'),
      attempts: 6,
      error: 'e2',
    });
    expect(b.id).toBe(a.id);
    expect(b).toMatchObject({ attempts: 6, last_error: 'e2', status: 'pending' });
    expect(b.due_at).toEqual(t('09:00:00'));
    expect(await listRetries(db, { bankCode: 'mega', open: true })).toHaveLength(1);
  });

  it('claims only due entries, each by one owner at a time, and takes over an expired lease', async () => {
    const { db } = handle;
    await enqueueRetry(db, { bankCode: 'esun', kind: 'upload', ref: '7', dueAt: t('08:00:00') });
    await enqueueRetry(db, { bankCode: 'esun', kind: 'poll', ref: 'poll', dueAt: t('23:00:00') });
    const now = t('10:00:00');
    const [first, second] = await Promise.all([
      claimDueRetries(db, { owner: 'a', now, leaseMs: 60_000, bankCode: 'esun' }),
      claimDueRetries(db, { owner: 'b', now, leaseMs: 60_000, bankCode: 'esun' }),
    ]);
    const claimed = [...first, ...second];
    expect(claimed.map((r) => r.ref)).toEqual(['7']);
    expect(claimed[0]).toMatchObject({ status: 'in_progress' });
    expect(await claimDueRetries(db, { owner: 'c', now: t('10:00:30'), leaseMs: 60_000, bankCode: 'esun' })).toEqual(
      [],
    );
    const takeover = await claimDueRetries(db, { owner: 'c', now: t('10:02:00'), leaseMs: 60_000, bankCode: 'esun' });
    expect(takeover.map((r) => [r.ref, r.locked_by])).toEqual([['7', 'c']]);
    await rescheduleRetry(db, takeover[0]!.id, { dueAt: t('11:00:00'), error: 'refused', errorClass: 'backoff' });
    const [again] = await claimDueRetries(db, { owner: 'c', now: t('11:00:00'), leaseMs: 60_000, bankCode: 'esun' });
    expect(again).toMatchObject({ ref: '7', attempts: 1, last_error: 'refused' });
    await completeRetry(db, again!.id);
    expect((await listRetries(db, { bankCode: 'esun', open: true })).map((r) => r.ref)).toEqual(['poll']);
  });

  it('manual intervention waits for an operator, then is retried or cancelled', async () => {
    const { db } = handle;
    const e = await enqueueRetry(db, { bankCode: 'ctbc', kind: 'upload', ref: '9', dueAt: t('08:00:00') });
    await markRetryManual(db, e.id, 'host key mismatch', 'critical');
    expect(await claimDueRetries(db, { owner: 'a', now: t('12:00:00'), leaseMs: 1000, bankCode: 'ctbc' })).toEqual([]);
    const stats = (await retryQueueStats(db)).find((s) => s.bankCode === 'ctbc');
    expect(stats).toMatchObject({ size: 1, manual: 1, nextDueAt: null });
    expect(await resolveManualRetries(db, 'ctbc', { retry: true, now: t('12:00:00') })).toBe(1);
    const claimed = await claimDueRetries(db, { owner: 'a', now: t('12:00:00'), leaseMs: 1000, bankCode: 'ctbc' });
    expect(claimed.map((r) => r.ref)).toEqual(['9']);
  });
});

describe('bank state repository', () => {
  it('persists the breaker with its reason and open-until instant, and reads it back', async () => {
    const state: BankStateWrite = {
      bankCode: 'mega',
      breakerState: 'open',
      breakerReason: 'ECONNREFUSED',
      consecutiveFailures: 3,
      openUntil: new Date('2026-11-24T10:05:00+08:00'),
      health: 'down',
      manualIntervention: false,
      manualReason: null,
      lastSuccessAt: null,
      lastFailureAt: new Date('2026-11-24T10:00:00+08:00'),
      lastError: 'ECONNREFUSED',
    };
    await saveBankState(handle.db, state);
    await saveBankState(handle.db, { ...state, bankCode: 'esun', breakerState: 'closed', openUntil: null });
    const row = await loadBankState(handle.db, 'mega');
    expect(row && toBankStateWrite(row)).toEqual(state);
    await saveBankState(handle.db, { ...state, breakerState: 'half_open', openUntil: null });
    expect((await loadBankState(handle.db, 'mega'))?.breaker_state).toBe('half_open');
    expect((await loadBankStates(handle.db)).map((r) => r.bank_code)).toEqual(['esun', 'mega']);
    expect(await loadBankState(handle.db, 'nope')).toBeUndefined();
  });
});

describe('tick dispatch log', () => {
  it('lets exactly one of several instances claim a tick', async () => {
    const scheduledAt = new Date('2026-11-24T06:00:00+08:00');
    const results = await Promise.all(
      ['a', 'b', 'c', 'd'].map((instanceId) =>
        claimTick(handle.db, { event: 'PAYMENTS.GENERATE', scheduledAt, instanceId }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await claimTick(handle.db, { event: 'HEALTH.CHECK', scheduledAt, instanceId: 'a', catchUp: true })).toBe(
      true,
    );
    const rows = await listDispatchedTicks(handle.db, {
      from: scheduledAt,
      to: new Date(scheduledAt.getTime() + 1),
    });
    expect(rows.map((r) => [r.event, r.catch_up])).toEqual([
      ['HEALTH.CHECK', true],
      ['PAYMENTS.GENERATE', false],
    ]);
    expect(await pruneDispatchedTicks(handle.db, new Date(scheduledAt.getTime() + 1))).toBe(2);
  });
});

describe('calendar overrides repository', () => {
  it('sets, replaces, lists and removes a day', async () => {
    await setCalendarOverride(handle.db, { day: '2026-08-10', kind: 'holiday', reason: '颱風假', createdBy: 'op' });
    await setCalendarOverride(handle.db, { day: '2026-08-10', kind: 'workday', reason: 'cancelled', createdBy: 'op2' });
    await setCalendarOverride(handle.db, { day: '2026-09-01', kind: 'holiday', reason: 'x', createdBy: 'op' });
    const rows = await listCalendarOverrides(handle.db, { to: '2026-08-31' });
    expect(rows).toEqual([expect.objectContaining({ day: '2026-08-10', kind: 'workday', createdBy: 'op2' })]);
    expect(await removeCalendarOverride(handle.db, '2026-08-10')).toBe(true);
    expect((await listCalendarOverrides(handle.db)).map((r) => r.day)).toEqual(['2026-09-01']);
  });
});

describe('clock leadership', () => {
  it('one holder at a time; released leadership passes to the other instance', async () => {
    const a = createLeadership(handle.db, handle.kind, 'test:leader');
    const b = createLeadership(handle.db, handle.kind, 'test:leader');
    if (handle.kind === 'pglite') {
      // One process owns a PGlite database: it leads, and the dispatch log prevents doubles.
      expect([await a.isLeader(), await b.isLeader()]).toEqual([true, true]);
      return;
    }
    expect(await a.isLeader()).toBe(true);
    expect(await b.isLeader()).toBe(false);
    expect(await a.isLeader()).toBe(true);
    await a.release();
    expect(a.holds()).toBe(false);
    expect(await b.isLeader()).toBe(true);
    expect(await a.isLeader()).toBe(false);
    await b.release();
    await a.release();
  });
});
