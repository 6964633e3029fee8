/**
 * Three real service processes on one PostgreSQL for a simulated business day (05:00-20:00 Taipei, moved
 * forward in lockstep), five banks on a real OpenSSH sshd. Proves: every tick of the day is dispatched exactly
 * once across the instances; every batch is uploaded once (one file at the bank, byte-identical to the
 * ledger); the banks are spread over the instances by per-bank leases; and when the clock leader is SIGKILLed
 * at 07:00, its banks are taken over by the survivors within 60 s (real time, the lease TTL), after which they
 * do that bank's polls and health checks. Needs TEST_DATABASE_URL (three processes cannot share a PGlite).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/infra/config/load.ts';
import { seedDemo } from '../../src/infra/db/seed-demo.ts';
import { createSecretStore } from '../../src/infra/secrets/index.ts';
import { ensureSandboxKeys } from '../../src/workflows/sandbox/bank-simulator.ts';
import { openTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../support/db.ts';
import { type SshdHandle, startSshd } from '../support/sshd.ts';
import { buildTestConfig } from '../support/test-config.ts';

const DAY = '2026-11-26';
const at = (hhmm: string) => new Date(`${DAY}T${hhmm}:00+08:00`);
const STEP_MS = 5 * 60_000;
const TAKEOVER_LIMIT_MS = 60_000;

interface Instance {
  id: string;
  child: ChildProcess;
  lines: AsyncIterator<string>;
  stderr: string[];
}

async function nextLine(instance: Instance, expected: RegExp): Promise<string> {
  for (;;) {
    const { value, done } = await instance.lines.next();
    if (done) throw new Error(`${instance.id} exited:\n${instance.stderr.join('').slice(-3000)}`);
    if (expected.test(value)) return value;
  }
}

function startInstance(configPath: string, id: string): Instance {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/multi-child.ts', configPath, at('05:00').toISOString(), id],
    { env: { ...process.env, LEASE_RENEW_MS: '2000' }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return { id, child, lines, stderr };
}

async function advanceAll(instances: Instance[], to: Date): Promise<void> {
  await Promise.all(
    instances.map(async (instance) => {
      instance.child.stdin!.write(`advance ${to.toISOString()}\n`);
      await nextLine(instance, /^at /);
    }),
  );
}

/** Moves every instance forward together, one 5-minute step at a time, so no instance runs ahead. */
async function driveTo(instances: Instance[], from: Date, to: Date): Promise<void> {
  for (let t = from.getTime() + STEP_MS; t <= to.getTime(); t += STEP_MS) await advanceAll(instances, new Date(t));
}

describe.skipIf(!TEST_DATABASE_URL)('three instances on one PostgreSQL for a business day', () => {
  let sshd: SshdHandle;
  let database: TestDatabase;
  let dir: string;
  let instances: Instance[] = [];
  let bankCodes: string[];
  let config: ReturnType<typeof parseConfig>;
  let victim: string;
  let victimBanks: string[];
  let takeoverMs: number;
  let holdersAtStart: Record<string, string>;

  const leases = async () =>
    Object.fromEntries(
      (await database.db.selectFrom('bank_leases').select(['bank_code', 'instance_id']).execute()).map((r) => [
        r.bank_code,
        r.instance_id,
      ]),
    ) as Record<string, string>;

  /** Real time: polls the lease table (the instances renew every 2 s) until `done` holds. */
  async function waitForLeases(done: (owners: Record<string, string>) => boolean, limitMs: number) {
    const started = Date.now();
    for (;;) {
      const owners = await leases();
      if (done(owners)) return { owners, ms: Date.now() - started };
      if (Date.now() - started > limitMs) throw new Error(`leases stuck: ${JSON.stringify(owners)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  beforeAll(async () => {
    sshd = await startSshd();
    database = await openTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'banking-multi-'));
    const raw = (await buildTestConfig({
      dataDir: dir,
      databaseUrl: database.url!,
      overrides: {
        sftp: { pool_max: 2, connect_timeout_ms: 5_000, operation_timeout_ms: 20_000, stability_interval_ms: 0 },
        sandbox: { enabled: false },
        demo_data: false,
      },
    })) as { banks: Array<Record<string, unknown>> };
    for (const bank of raw.banks) {
      const code = bank.bank_code as string;
      mkdirSync(join(sshd.filesDir, code, 'upload'), { recursive: true });
      mkdirSync(join(sshd.filesDir, code, 'download'), { recursive: true });
      Object.assign(bank, {
        sandbox: false,
        sftp_port: sshd.port,
        sftp_username: 'root',
        auth: { method: 'key', private_key_secret: 'openssh-client-ed25519' },
        host_key_sha256: sshd.hostKeyFingerprint,
        upload_path: join(sshd.filesDir, code, 'upload'),
        download_path: join(sshd.filesDir, code, 'download'),
      });
    }
    config = parseConfig(raw, 'multi-instance test');
    bankCodes = config.banks.filter((b) => b.active).map((b) => b.bank_code);
    // the PGP keys (ours and the bank's) and the SSH client key, in the secret directory all three share
    const secrets = createSecretStore(config.secrets, { now: () => new Date(), audit: async () => {} });
    // dated before the simulated day, which may lie in the past of the real clock
    await ensureSandboxKeys(
      secrets,
      config.banks.map((b) => ({ ...b, sandbox: true })),
      at('00:00'),
    );
    await secrets.put!('openssh-client-ed25519', sshd.ed25519PrivateKey);
    await seedDemo(database.db, { dueDate: DAY, bankCodes });
    const configPath = join(dir, 'banking.json');
    writeFileSync(configPath, JSON.stringify(raw));

    instances = ['alpha', 'bravo', 'charlie'].map((id) => startInstance(configPath, id));
    await Promise.all(instances.map((i) => nextLine(i, /^READY$/)));
    // the first one up took every bank; within a few renewals they are spread 2/2/1
    ({ owners: holdersAtStart } = await waitForLeases(
      (o) => bankCodes.every((code) => o[code]) && new Set(Object.values(o)).size === 3,
      30_000,
    ));

    await driveTo(instances, at('05:00'), at('07:00'));
    const leader = await database.db
      .selectFrom('tick_dispatch')
      .select('instance_id')
      .where('event', '=', 'PAYMENTS.GENERATE')
      .executeTakeFirstOrThrow();
    victim = leader.instance_id;
    const owners = await leases();
    victimBanks = bankCodes.filter((code) => owners[code] === victim);
    const dead = instances.find((i) => i.id === victim)!;
    const killedAt = Date.now();
    dead.child.kill('SIGKILL');
    await once(dead.child, 'exit');
    instances = instances.filter((i) => i !== dead);
    const taken = await waitForLeases(
      (o) => bankCodes.every((code) => o[code] && o[code] !== victim && o[code] !== ''),
      2 * TAKEOVER_LIMIT_MS,
    );
    takeoverMs = Date.now() - killedAt;
    expect(taken.owners).toBeDefined();

    // 20:05: the 20:00 ticks are claimed before anyone looks
    await driveTo(instances, at('07:00'), at('20:05'));
  }, 280_000);

  afterAll(async () => {
    await Promise.all(
      instances.map(async (i) => {
        if (i.child.exitCode !== null) return;
        i.child.stdin!.write('stop\n');
        await Promise.race([once(i.child, 'exit'), new Promise((r) => setTimeout(r, 10_000))]);
        if (i.child.exitCode === null) i.child.kill('SIGKILL');
      }),
    );
    await database?.close();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('spread the banks over all three instances by per-bank leases', async () => {
    const counts = Object.values(holdersAtStart).reduce<Record<string, number>>((acc, id) => {
      acc[id] = (acc[id] ?? 0) + 1;
      return acc;
    }, {});
    expect(Object.values(counts).sort()).toEqual([1, 2, 2]);
    // the morning's per-bank work was really done by each bank's holder, by all three processes
    const health = await database.db
      .selectFrom('tick_dispatch')
      .select(['event', 'instance_id'])
      .where('event', 'like', 'HEALTH.CHECK:%')
      .where('scheduled_at', '<', at('07:00'))
      .execute();
    expect(new Set(health.map((t) => t.instance_id))).toEqual(new Set(['alpha', 'bravo', 'charlie']));
    const uploaders = await database.db
      .selectFrom('transfers')
      .select(['bank_code', 'instance_id'])
      .where('direction', '=', 'upload')
      .execute();
    for (const u of uploaders) expect(u.instance_id, u.bank_code).toBe(holdersAtStart[u.bank_code]);
    expect(new Set(uploaders.map((u) => u.instance_id)).size).toBeGreaterThanOrEqual(2);
  });

  it('dispatched every tick of the day exactly once across the instances', async () => {
    const ticks = await database.db
      .selectFrom('tick_dispatch')
      .select(['event', 'scheduled_at', 'instance_id'])
      .where('scheduled_at', '>', at('05:00'))
      .where('scheduled_at', '<=', at('20:00'))
      .execute();
    const count = (event: string) => ticks.filter((t) => t.event === event).length;
    expect(count('PAYMENTS.GENERATE')).toBe(1);
    expect(count('REPORT.DAILY')).toBe(1);
    const missing = (event: string, from: string, to: string, everyMs: number) => {
      const seen = new Set(ticks.filter((t) => t.event === event).map((t) => t.scheduled_at.getTime()));
      const out: string[] = [];
      for (let x = at(from).getTime(); x <= at(to).getTime(); x += everyMs) {
        if (!seen.has(x)) out.push(new Date(x).toISOString());
      }
      return out;
    };
    for (const code of bankCodes) {
      // every 5 minutes 05:05 … 20:00 and every 30 minutes 08:00 … 18:00, whoever held the bank at the time
      expect(missing(`HEALTH.CHECK:${code}`, '05:05', '20:00', STEP_MS), code).toEqual([]);
      expect(count(`HEALTH.CHECK:${code}`), code).toBe(180);
      expect(missing(`RECONCILIATION.POLL:${code}`, '08:00', '18:00', 6 * STEP_MS), code).toEqual([]);
      expect(count(`RECONCILIATION.POLL:${code}`), code).toBe(21);
      expect(count(`BANK.CUTOFF:${code}`), code).toBe(1);
    }
    // and each was actually acted on once: one stored daily report
    const reports = await database.db.selectFrom('daily_reports').select('business_date').execute();
    expect(reports.map((r) => r.business_date)).toEqual([DAY]);
  });

  it('uploaded every batch exactly once: one file per bank on the sshd, byte-identical to the ledger', async () => {
    const batches = await database.db.selectFrom('payment_batches').selectAll().orderBy('bank_code').execute();
    expect(batches.map((b) => [b.bank_code, b.state])).toEqual(bankCodes.sort().map((c) => [c, 'uploaded']));
    const transfers = await database.db
      .selectFrom('transfers')
      .select(['batch_id', 'result'])
      .where('direction', '=', 'upload')
      .execute();
    for (const batch of batches) {
      expect(transfers.filter((t) => t.batch_id === batch.id && t.result === 'success')).toHaveLength(1);
      const uploadDir = join(sshd.filesDir, batch.bank_code, 'upload');
      expect(readdirSync(uploadDir)).toEqual([batch.file_name]);
      const sha = createHash('sha256')
        .update(readFileSync(join(uploadDir, batch.file_name)))
        .digest('hex');
      expect(sha).toBe(batch.ciphertext_sha256);
    }
  });

  it('took the SIGKILLed leader’s banks over within 60 s, and the survivors did their work afterwards', async () => {
    expect(victimBanks.length).toBeGreaterThan(0);
    expect(takeoverMs).toBeLessThan(TAKEOVER_LIMIT_MS);
    const later = await database.db
      .selectFrom('tick_dispatch')
      .select(['event', 'instance_id'])
      .where('scheduled_at', '>', at('07:00'))
      .execute();
    expect(later.filter((t) => t.instance_id === victim)).toEqual([]);
    for (const code of victimBanks) {
      expect(later.filter((t) => t.event === `RECONCILIATION.POLL:${code}`)).toHaveLength(21);
    }
    // a new leader dispatched the evening report
    expect(later.find((t) => t.event === 'REPORT.DAILY')?.instance_id).not.toBe(victim);
  });
});
