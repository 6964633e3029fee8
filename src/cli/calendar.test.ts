/** `banking-sftp calendar close|reopen|list` against the configured database (its own PGlite or PostgreSQL). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { writeTestConfig } from '../../test/support/test-config.ts';
import { connectDatabase } from '../infra/db/connect.ts';
import { run } from './calendar.ts';

// the CLI runs on the real clock: a date far ahead is never past, one long gone always is
const AHEAD = '2099-07-01';
const GONE = '2020-01-02';

let scratch: string;
let configPath: string;
let pgTest: TestDatabase | undefined;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'bsm-calendar-'));
  if (process.env.TEST_DATABASE_URL) pgTest = await openTestDatabase({ migrate: false });
  configPath = await writeTestConfig(scratch, {
    dataDir: scratch,
    ...(pgTest?.url ? { databaseUrl: pgTest.url } : {}),
  });
});
afterAll(async () => {
  await pgTest?.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => out.push(String(s)) > 0);
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => err.push(String(s)) > 0);
  try {
    const code = await run([...args, '--config', configPath]);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('banking-sftp calendar', () => {
  it('closes a day for one bank with a reason, lists it, reopens it; each change audit-logged', async () => {
    const closed = await cli('close', '--date', AHEAD, '--bank', 'ctbc', '--reason', '颱風假');
    expect(closed).toMatchObject({ code: 0 });
    expect(JSON.parse(closed.out)).toEqual({ closed: AHEAD, bank_code: 'ctbc', reason: '颱風假', stopped_batches: [] });
    const listed = await cli('list');
    expect(JSON.parse(listed.out)).toMatchObject({ date: AHEAD, bank_code: 'ctbc', reason: '颱風假' });
    expect((await cli('reopen', '--date', AHEAD, '--bank', 'ctbc')).code).toBe(0);
    expect((await cli('list')).out).toBe('');

    const { config } = await import('./args.ts').then((m) => m.configFromArgs(['--config', configPath]));
    const database = await connectDatabase({ url: config.database.url, pgliteDir: config.database.pglite_dir });
    try {
      const audit = await database.db
        .selectFrom('audit_log')
        .select(['actor', 'action', 'target', 'details'])
        .execute();
      expect(audit.map((a) => [a.action, a.target])).toEqual([
        ['calendar.close', AHEAD],
        ['calendar.reopen', AHEAD],
      ]);
      expect(audit[0]!.actor).toMatch(/^cli:/);
      expect(audit[0]!.details).toMatchObject({ reason: '颱風假', bank_code: 'ctbc' });
    } finally {
      await database.close();
    }
  });

  it('refuses a past date, a missing or blank reason, an unknown bank and reopening an open day', async () => {
    const past = await cli('close', '--date', GONE, '--reason', 'too late');
    expect(past.code).toBe(2);
    expect(past.err).toContain(`${GONE} is in the past`);
    expect((await cli('close', '--date', AHEAD)).code).toBe(2);
    expect((await cli('close', '--date', AHEAD, '--reason', '   ')).code).toBe(2);
    expect((await cli('close', '--date', AHEAD, '--bank', 'nope', '--reason', 'x')).code).toBe(2);
    const reopen = await cli('reopen', '--date', AHEAD);
    expect(reopen.code).toBe(1);
    expect(reopen.err).toContain(`no closure on ${AHEAD}`);
  });
});
