/**
 * The operator commands of the CLI on their own database (no service running): config check, pgp protect and
 * open, audit, retry-queue. The same commands through a running service are in test/cli-service.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { buildTestConfig } from '../../test/support/test-config.ts';
import { loadConfig } from '../infra/config/load.ts';
import type { Config } from '../infra/config/schema.ts';
import { connectDatabase } from '../infra/db/connect.ts';
import { enqueueRetry } from '../infra/db/repositories/retry-queue.ts';
import { createBankCrypto } from '../infra/pgp/index.ts';
import { createSecretStore } from '../infra/secrets/index.ts';
import { ensureSandboxKeys, mirrorForBank } from '../workflows/sandbox/bank-simulator.ts';
import { CommandFailed, UsageError } from './usage-error.ts';

let scratch: string;
let configPath: string;
let config: Config;
let pgTest: TestDatabase | undefined;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'banking-operator-'));
  if (process.env.TEST_DATABASE_URL) pgTest = await openTestDatabase({ migrate: false });
  const raw = await buildTestConfig({ dataDir: join(scratch, 'data'), ...(pgTest ? { databaseUrl: pgTest.url } : {}) });
  configPath = join(scratch, 'banking.json');
  writeFileSync(configPath, JSON.stringify(raw));
  config = loadConfig(configPath);
});
afterAll(async () => {
  await pgTest?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const COMMANDS: Record<string, () => Promise<{ run(argv: string[]): Promise<number> }>> = {
  'config-check': () => import('./config-check.ts'),
  pgp: () => import('./pgp.ts'),
  audit: () => import('./audit.ts'),
  'retry-queue': () => import('./retry-queue.ts'),
};

async function cli(command: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const module = await COMMANDS[command]!();
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => out.push(String(s)) > 0);
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => err.push(String(s)) > 0);
  try {
    const code = await module.run([...args, '--config', configPath]).catch((error: unknown) => {
      if (error instanceof UsageError) return 2;
      if (error instanceof CommandFailed) {
        err.push(error.message);
        return error.exitCode;
      }
      throw error;
    });
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('banking-sftp config check', () => {
  it('accepts the shipped shape and touches nothing', async () => {
    const r = await cli('config-check', 'check');
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(r.out) as { ok: boolean; banks: Array<{ bank_code: string }> };
    expect(summary.ok).toBe(true);
    expect(summary.banks.map((b) => b.bank_code)).toEqual(['mega', 'ctbc', 'esun', 'first', 'taishin']);
    expect(existsSync(join(scratch, 'data'))).toBe(false);
  });

  it('names the bank and the field of a bad setting, exit 2', async () => {
    const raw = JSON.parse(readFileSync(configPath, 'utf8'));
    raw.banks[2].cutoff_time = '25:00';
    const bad = join(scratch, 'bad.json');
    writeFileSync(bad, JSON.stringify(raw));
    const module = await import('./config-check.ts');
    const err: string[] = [];
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => err.push(String(s)) > 0);
    try {
      expect(await module.run(['check', '--config', bad])).toBe(2);
    } finally {
      e.mockRestore();
    }
    expect(err.join('')).toMatch(/bank esun: field cutoff_time/);
  });
});

describe('banking-sftp pgp', () => {
  it('protect writes what the bank can open; open verifies a bank file and refuses a tampered one', async () => {
    const store = createSecretStore(config.secrets, { audit: () => {} });
    const mega = config.banks.find((b) => b.bank_code === 'mega')!;
    await ensureSandboxKeys(store, [mega]);
    const crypto = createBankCrypto({ secrets: store });
    const plaintext = Buffer.from('PAY header 兆豐 one payment line\r\n'.repeat(50), 'utf8');
    const plainPath = join(scratch, 'PAY_20261126_0001.txt');
    writeFileSync(plainPath, plaintext);

    const wirePath = join(scratch, 'wire.pgp');
    const protectedRun = await cli('pgp', 'protect', '--bank', 'mega', '--input', plainPath, '--output', wirePath);
    expect(protectedRun.code, protectedRun.err).toBe(0);
    const wire = readFileSync(wirePath);
    expect(wire.subarray(0, 2).toString()).not.toBe('--'); // the profile is binary, as uploads are
    // the bank (the sandbox's mirror: its key, our public key to verify) opens it
    expect(Buffer.from(await crypto.open(mirrorForBank(mega), 'PAY_20261126_0001.txt', wire))).toEqual(plaintext);

    const fromBank = await crypto.protect(mirrorForBank(mega), 'REC_20261126_0001.txt', plaintext);
    const recPath = join(scratch, 'REC_20261126_0001.txt');
    writeFileSync(recPath, fromBank);
    const outPath = join(scratch, 'rec.txt');
    const opened = await cli('pgp', 'open', '--bank', 'mega', '--input', recPath, '--output', outPath);
    expect(opened.code, opened.err).toBe(0);
    const facts = JSON.parse(opened.out) as { signer: string; sha256: string; bytes: number };
    expect(facts.bytes).toBe(plaintext.length);
    expect(facts.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(facts.signer).toMatch(/^[0-9A-F]{40,64}$/);
    expect(readFileSync(outPath)).toEqual(plaintext);

    const tampered = Buffer.from(fromBank);
    tampered[Math.floor(tampered.length / 2)]! ^= 0x40;
    const tamperedPath = join(scratch, 'REC_tampered.txt');
    writeFileSync(tamperedPath, tampered);
    const tamperedOut = join(scratch, 'tampered-out.txt');
    const refused = await cli('pgp', 'open', '--bank', 'mega', '--input', tamperedPath, '--output', tamperedOut);
    expect(refused.code).toBe(2);
    const error = JSON.parse(refused.err.trim().split('\n').at(-1)!) as { error: { code: string; message: string } };
    expect(error.error.code).toMatch(/^pgp_/);
    expect(error.error.message.length).toBeGreaterThan(0);
    expect(existsSync(tamperedOut)).toBe(false);
    expect(refused.out).toBe('');

    // each hand operation is in the audit log, as the CLI's own
    const audit = await cli('audit', '--since', '2020-01-01');
    const actions = audit.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; actor: string; details: { error?: string } });
    expect(actions.filter((a) => a.action === 'pgp.open')).toHaveLength(2);
    expect(actions.find((a) => a.action === 'pgp.open' && a.details.error)).toBeDefined();
    expect(actions.find((a) => a.action === 'pgp.protect')?.actor).toMatch(/^cli:/);
    expect((await cli('audit', '--since', '2999-01-01')).out).toBe('');
  }, 60_000);
});

describe('banking-sftp retry-queue', () => {
  it('lists the open entries and makes one due now with no service running', async () => {
    const database = await connectDatabase({ url: config.database.url, pgliteDir: config.database.pglite_dir });
    const later = new Date(Date.now() + 3_600_000);
    let id: number;
    try {
      const { migrateToLatest } = await import('../infra/db/migrate.ts');
      await migrateToLatest(database.db);
      id = (
        await enqueueRetry(database.db, {
          bankCode: 'ctbc',
          kind: 'upload',
          ref: '42',
          dueAt: later,
          error: 'connect ECONNREFUSED',
          errorClass: 'connection',
        })
      ).id;
    } finally {
      await database.close();
    }
    const listed = await cli('retry-queue', 'list');
    expect(listed.code, listed.err).toBe(0);
    const entries = listed.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number; bank_code: string; due_at: string });
    expect(entries.find((e) => e.id === id)).toMatchObject({ bank_code: 'ctbc' });

    const retried = await cli('retry-queue', 'retry', String(id));
    expect(retried.code, retried.err).toBe(0);
    const after = JSON.parse(retried.out) as { due_at: string; status: string; attempts: number };
    expect(new Date(after.due_at).getTime()).toBeLessThan(later.getTime());
    expect(after.status).toBe('pending');

    expect((await cli('retry-queue', 'retry', '999999')).code).toBe(1);
    expect((await cli('retry-queue', 'retry', 'x')).code).toBe(2);
    expect((await cli('retry-queue', 'list', '--status', 'nope')).code).toBe(2);
  }, 60_000);
});
