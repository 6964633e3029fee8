import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.ts';
import { startSandbox } from './server.ts';

const scratch = mkdtempSync(join(tmpdir(), 'banking-sandbox-ports-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function shipped(overrides: Record<string, unknown>) {
  const raw = JSON.parse(readFileSync('config/banking.json', 'utf8')) as Record<string, unknown>;
  return parseConfig({ ...raw, data_dir: scratch, ...overrides });
}

describe('sandbox bank ports', () => {
  it('sandbox.port_base moves every sandbox bank, in config order', () => {
    const config = shipped({ sandbox: { enabled: true, port_base: 23000 } });
    expect(config.banks.map((b) => [b.bank_code, b.sftp_port])).toEqual([
      ['mega', 23000],
      ['ctbc', 23001],
      ['esun', 23002],
      ['first', 23003],
      ['taishin', 23004],
    ]);
  });

  it('a busy port names the bank, its port and the settings that move it', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const config = shipped({ sandbox: { enabled: true, port_base: port } });
      const only = { ...config, banks: config.banks.slice(0, 1) };
      await expect(startSandbox(only)).rejects.toThrow(
        `sandbox bank mega cannot listen on 127.0.0.1:${port} (port already in use, e.g. by another checkout): ` +
          'change banks[mega].sftp_port, or set sandbox.port_base (env SANDBOX_PORT_BASE) to move every sandbox bank',
      );
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});
