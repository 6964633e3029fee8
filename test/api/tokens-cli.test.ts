/** `banking-sftp tokens create|list|revoke` against the configured database (its own PGlite or PostgreSQL). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/tokens.ts';
import { CommandFailed, UsageError } from '../../src/cli/usage-error.ts';
import { connectDatabase } from '../../src/infra/db/connect.ts';
import { findActiveToken, hashToken } from '../../src/infra/db/repositories/api-tokens.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';
import { writeTestConfig } from '../support/test-config.ts';

let scratch: string;
let configPath: string;
let pgTest: TestDatabase | undefined;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'bsm-tokens-'));
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
    // as cli.ts maps them: wrong usage exits 2, an explained failure its own code
    const code = await run([...args, '--config', configPath]).catch((error: unknown) => {
      if (error instanceof UsageError) return 2;
      if (error instanceof CommandFailed) return error.exitCode;
      throw error;
    });
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('banking-sftp tokens', () => {
  it('creates a token shown once, stored as its SHA-256; lists without secrets; revokes', async () => {
    const created = await cli('create', '--role', 'operator', '--name', 'ops-alice');
    expect(created.code).toBe(0);
    const { id, token, role } = JSON.parse(created.out) as { id: number; token: string; role: string };
    expect(role).toBe('operator');
    expect(token).toMatch(/^bsm_[A-Za-z0-9_-]{43}$/);

    const listed = await cli('list');
    expect(listed.out).toContain('"name":"ops-alice"');
    expect(listed.out).not.toContain(token);

    const config = JSON.parse((await import('node:fs')).readFileSync(configPath, 'utf8'));
    const db = await connectDatabase({ url: config.database.url, pgliteDir: config.database.pglite_dir });
    try {
      const row = await db.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.token_sha256).toBe(hashToken(token));
    } finally {
      await db.close();
    }

    expect((await cli('revoke', String(id))).code).toBe(0);
    expect((await cli('revoke', String(id))).code).toBe(1);
    const db2 = await connectDatabase({ url: config.database.url, pgliteDir: config.database.pglite_dir });
    try {
      expect(await findActiveToken(db2.db, token)).toBeUndefined();
    } finally {
      await db2.close();
    }
  });

  it('refuses a missing or unknown role', async () => {
    expect((await cli('create')).code).toBe(2);
    expect((await cli('create', '--role', 'admin')).code).toBe(2);
  });
});
