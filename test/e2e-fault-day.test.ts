/**
 * A business day with faults, against the sandbox banks on simulated time:
 * - mega is down all morning: its breaker opens, the upload waits in the retry queue and goes out after the
 *   bank comes back, before the cutoff, exactly once;
 * - taishin is down past its 15:00 cutoff: the batch is marked cutoff_missed, an exception is raised, and
 *   nothing is sent late even after the bank comes back;
 * - ctbc delivers a reconciliation file with a bad signature: quarantined, nothing from it applied;
 * - esun delivers the same reconciliation file twice under two names: applied once.
 */
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureKeyPair } from '../src/infra/pgp/index.ts';
import { mirrorForBank } from '../src/workflows/sandbox/bank-simulator.ts';
import { metricsProblems } from './support/promtool.ts';
import { type Harness, startHarness, taipei } from './support/system-harness.ts';

const DAY = '2026-11-26';

describe('a business day with faults', () => {
  let h: Harness;
  const bankDir = (code: string, which: 'upload_path' | 'download_path') => {
    const bank = h.config.banks.find((b) => b.bank_code === code)!;
    return join(h.config.sandbox.dir, code, bank[which]);
  };
  const db = () => h.database.db;

  beforeAll(async () => {
    h = await startHarness({ start: taipei(DAY, '00:00') });
    const sandbox = h.ops.sandbox!;
    await sandbox.setFaults('mega', { refuseConnections: true });
    await sandbox.setFaults('taishin', { refuseConnections: true });
    await h.advanceTo(taipei(DAY, '10:00'));
  }, 300_000);
  afterAll(() => h?.stop());

  it('mega: the breaker opened and the upload waits in the durable retry queue', async () => {
    const view = await h.ops.refreshInspection();
    const mega = view.banks.find((b) => b.bankCode === 'mega')!;
    expect(mega.breaker).not.toBe('closed');
    const queued = await db().selectFrom('retry_queue').selectAll().where('bank_code', '=', 'mega').execute();
    expect(queued.some((q) => q.kind === 'upload' && q.status === 'pending')).toBe(true);
    const opened = await db()
      .selectFrom('audit_log')
      .select('id')
      .where('action', '=', 'breaker.open')
      .where('target', '=', 'mega')
      .execute();
    expect(opened.length).toBeGreaterThan(0);
    expect(readdirSync(bankDir('mega', 'upload_path')).filter((f) => !f.startsWith('.'))).toEqual([]);
  });

  it('/metrics shows the failing banks: connection failures, open breakers, queued work; promtool accepts it', async () => {
    const text = await h.metricsText();
    const value = (series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line ? Number(line.split(' ').pop()) : undefined;
    };
    expect(value('banking_sftp_connections_total{bank="mega",result="failure"}')).toBeGreaterThanOrEqual(3);
    expect(value('banking_sftp_connections_total{bank="ctbc",result="success"}')).toBeGreaterThan(0);
    expect(value('banking_circuit_breaker_state{bank="mega",state="closed"}')).toBe(0);
    expect(value('banking_circuit_breaker_state{bank="ctbc",state="closed"}')).toBe(1);
    expect(value('banking_retry_queue_size{bank="mega"}')).toBeGreaterThanOrEqual(1);
    expect(value('banking_sftp_consecutive_failures{bank="taishin"}')).toBeGreaterThanOrEqual(3);
    expect(value('banking_cutoff_slack_seconds{bank="mega"}')).toBe(5.5 * 3600);
    expect(metricsProblems(text)).toEqual([]);
  });

  it('mega: once the bank is back, the batch goes out before the cutoff, exactly once', async () => {
    await h.ops.sandbox!.setFaults('mega', {});
    await h.advanceTo(taipei(DAY, '12:30'));
    const batch = await db()
      .selectFrom('payment_batches')
      .selectAll()
      .where('bank_code', '=', 'mega')
      .executeTakeFirstOrThrow();
    expect(['uploaded', 'confirmed']).toContain(batch.state);
    expect(batch.uploaded_at!.getTime()).toBeLessThan(taipei(DAY, '15:30').getTime());
    expect(readdirSync(bankDir('mega', 'upload_path')).filter((f) => !f.startsWith('.'))).toEqual([batch.file_name]);
    // the upload either waited in the queue (the health checks had opened the breaker) or was itself a failed
    // half-open probe; either way nothing is left queued and exactly one upload succeeded
    const queued = await db()
      .selectFrom('retry_queue')
      .selectAll()
      .where('bank_code', '=', 'mega')
      .where('kind', '=', 'upload')
      .execute();
    expect(queued.every((q) => q.status === 'done')).toBe(true);
    const uploads = await db()
      .selectFrom('transfers')
      .select('result')
      .where('bank_code', '=', 'mega')
      .where('direction', '=', 'upload')
      .execute();
    expect(uploads.filter((u) => u.result === 'success')).toHaveLength(1);
    expect(uploads.filter((u) => u.result !== 'success' && u.result !== 'failure')).toEqual([]);
  });

  it('ctbc: a reconciliation file with a bad signature is quarantined and nothing from it is applied', async () => {
    // A file signed with a key that is not the bank's, encrypted to us: as a man in the middle would send it.
    const ctbc = h.config.banks.find((b) => b.bank_code === 'ctbc')!;
    await ensureKeyPair(h.ops.secrets, {
      privateName: 'rogue-pgp-private',
      publicName: 'rogue-pgp-public',
      userId: 'rogue',
      type: 'ed25519',
      createdAt: h.now(),
    });
    const rogue = {
      ...mirrorForBank(ctbc),
      pgp: { ...mirrorForBank(ctbc).pgp, our_private_key_secret: 'rogue-pgp-private' },
    };
    const genuine = readdirSync(bankDir('ctbc', 'download_path')).find((f) => f.startsWith('REC_'))!;
    const plain = await h.ops.crypto.open(ctbc, genuine, readFileSync(join(bankDir('ctbc', 'download_path'), genuine)));
    const forged = await h.ops.crypto.protect(rogue as never, 'REC_20261126_9999.txt', plain);
    writeFileSync(join(bankDir('ctbc', 'download_path'), 'REC_20261126_9999.txt'), forged);
    const before = await db()
      .selectFrom('reconciliation_records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    await h.advanceTo(taipei(DAY, '13:00'));
    const file = await db()
      .selectFrom('reconciliation_files')
      .selectAll()
      .where('remote_name', '=', 'REC_20261126_9999.txt')
      .executeTakeFirstOrThrow();
    expect(file.status).toBe('quarantined');
    expect(file.error).toMatch(/pgp_(unknown_signer|bad_signature)/);
    const after = await db()
      .selectFrom('reconciliation_records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    const exception = await db()
      .selectFrom('exceptions')
      .selectAll()
      .where('kind', '=', 'quarantined_file')
      .where('bank_code', '=', 'ctbc')
      .execute();
    expect(exception).toHaveLength(1);
    const quarantined = await db().selectFrom('quarantined_files').selectAll().execute();
    expect(quarantined[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(quarantined[0]!.path).equals(forged)).toBe(true);
  });

  it('esun: the same reconciliation file delivered twice is applied once', async () => {
    const dir = bankDir('esun', 'download_path');
    const first = readdirSync(dir).find((f) => f.startsWith('REC_'))!;
    const applied = await db()
      .selectFrom('reconciliation_records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    copyFileSync(join(dir, first), join(dir, first.replace('.csv', '-again.csv')));
    await h.advanceTo(taipei(DAY, '13:30'));
    const again = await db()
      .selectFrom('reconciliation_records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(again.n)).toBe(Number(applied.n));
    const esunFiles = await db()
      .selectFrom('reconciliation_files')
      .select('remote_name')
      .where('bank_code', '=', 'esun')
      .execute();
    expect(esunFiles.map((f) => f.remote_name)).toEqual([first]);
  });

  it('taishin: down past its cutoff, the batch waits for an operator and nothing is sent late', async () => {
    await h.advanceTo(taipei(DAY, '15:30'));
    await h.ops.sandbox!.setFaults('taishin', {});
    await h.advanceTo(taipei(DAY, '18:30'));
    const batch = await db()
      .selectFrom('payment_batches')
      .selectAll()
      .where('bank_code', '=', 'taishin')
      .executeTakeFirstOrThrow();
    expect(batch.state).toBe('cutoff_missed');
    const exception = await db()
      .selectFrom('exceptions')
      .selectAll()
      .where('kind', '=', 'cutoff_missed')
      .where('bank_code', '=', 'taishin')
      .executeTakeFirstOrThrow();
    expect(exception.message).toContain('15:00');
    expect(readdirSync(bankDir('taishin', 'upload_path')).filter((f) => !f.startsWith('.'))).toEqual([]);
    const successes = await db()
      .selectFrom('transfers')
      .select('id')
      .where('bank_code', '=', 'taishin')
      .where('result', '=', 'success')
      .execute();
    expect(successes).toEqual([]);
  });
});
