import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServiceProcess } from './support/service-process.ts';
import { writeTestConfig } from './support/test-config.ts';

describe('the service as an operator starts it', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'banking-start-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('starts with no data directory, answers /healthz, and stops cleanly on SIGTERM', async () => {
    const dataDir = join(scratch, 'data');
    expect(existsSync(dataDir)).toBe(false);
    const configPath = await writeTestConfig(scratch, { dataDir });
    const service = await startServiceProcess({ args: ['--config', configPath], env: { PORT: '0' } });

    const response = await fetch(`http://127.0.0.1:${service.port}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', database: { status: 'ok', kind: 'pglite' } });
    expect(existsSync(join(dataDir, 'pglite'))).toBe(true);
    expect(service.lines.join('\n')).toMatch(/demo invoices inserted/);

    service.child.kill('SIGTERM');
    const exit = await service.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(service.lines.join('\n')).toMatch(/banking-sftp stopped/);
    await expect(fetch(`http://127.0.0.1:${service.port}/healthz`)).rejects.toThrow();
  });
});
