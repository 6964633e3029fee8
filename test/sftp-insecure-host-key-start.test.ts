/**
 * A bank configured with `insecure_accept_any_host_key` and no pin outside the sandbox: the service warns about
 * it at start, naming the bank, and still starts (the setting is allowed, only dangerous).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServiceProcess } from './support/service-process.ts';
import { writeTestConfig } from './support/test-config.ts';

describe('insecure_accept_any_host_key outside the sandbox', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'banking-insecure-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  // a real service start (PGlite migrations, sandbox off) takes 20-60 s on two shared cores
  it('is warned about at start, once per such bank', { timeout: 120_000 }, async () => {
    const configPath = await writeTestConfig(scratch, {
      dataDir: join(scratch, 'data'),
      bankOverrides: { sandbox: false, insecure_accept_any_host_key: true, host_key_sha256: undefined },
      overrides: { demo_data: false },
    });
    const service = await startServiceProcess({ args: ['--config', configPath], env: { PORT: '0' } });
    try {
      const warnings = service.lines.filter((l) => l.includes('insecure_accept_any_host_key outside the sandbox'));
      expect(warnings.every((l) => /"level":(40|"warn")/.test(l))).toBe(true);
      const config = JSON.parse(readFileSync(configPath, 'utf8')) as {
        banks: Array<{ bank_code: string; active?: boolean }>;
      };
      const active = config.banks.filter((b) => b.active !== false).map((b) => b.bank_code);
      expect(warnings.map((l) => (JSON.parse(l) as { bank: string }).bank).sort()).toEqual(active.sort());
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });
});
