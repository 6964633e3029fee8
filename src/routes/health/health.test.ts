import { describe, expect, it } from 'vitest';
import type { MonitorContext } from '../router.ts';
import { fakePorts, TEST_BANKS, TEST_NOW } from '../test-helpers.ts';
import { buildHealth } from './health.handlers.ts';

describe('GET /health body', () => {
  it('shows which banks accept any SFTP host key', () => {
    const banks = TEST_BANKS.map((b) => (b.bank_code === 'esun' ? { ...b, insecure_host_key: true } : b));
    const ctx = { banks, ports: fakePorts(), now: () => TEST_NOW, dashboardCacheMs: 0 } as unknown as MonitorContext;
    const flagged = buildHealth(ctx)
      .banks.filter((b) => b.insecure_host_key)
      .map((b) => b.bank_code);
    expect(flagged).toEqual(['esun']);
  });
});
