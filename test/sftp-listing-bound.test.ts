/**
 * A bank directory of 100,000 files against the listing bound (sftp.max_listing_entries, default 10,000), through
 * the transport the reconciliation poll uses, on a real OpenSSH server: that bank's listing fails with a critical
 * `listing_too_large` (the bank actor turns a critical failure into manual intervention and an exception) after
 * reading little more than the bound, while another bank on the same server lists and downloads as usual.
 */
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationalError } from '../src/domain/failure.ts';
import { configSchema } from '../src/infra/config/schema.ts';
import { createSftpTransport, type SftpTransport } from '../src/workflows/adapters/sftp-transport.ts';
import { type SshdHandle, sshdBank, sshdSecrets, startSshd } from './support/sshd.ts';
import { TEST_SFTP_SETTINGS } from './support/test-config.ts';

const FILES = 100_000;
let sshd: SshdHandle;
let transport: SftpTransport;

beforeAll(async () => {
  sshd = await startSshd();
  const crowded = join(sshd.filesDir, 'crowded');
  mkdirSync(crowded, { recursive: true });
  for (let i = 0; i < FILES; i++)
    closeSync(openSync(join(crowded, `REC_20261125_${String(i).padStart(6, '0')}.txt`), 'w'));
  mkdirSync(join(sshd.filesDir, 'quiet'), { recursive: true });
  writeFileSync(join(sshd.filesDir, 'quiet', 'REC_20261125_01.txt'), 'reconciliation\n');
  const sftp = configSchema.shape.sftp.parse(TEST_SFTP_SETTINGS);
  transport = createSftpTransport(
    { sftp, sandbox: { dir: sshd.dir } } as Parameters<typeof createSftpTransport>[0],
    sshdSecrets(sshd),
    {
      wait: async () => {},
    },
  );
}, 120_000);

afterAll(async () => {
  await transport?.end();
  await sshd?.stop();
});

describe('a listing over the bound', () => {
  it('fails that bank with listing_too_large while another bank keeps working', async () => {
    const crowded = sshdBank(sshd, { bank_code: 'crowded', download_path: join(sshd.filesDir, 'crowded') });
    const quiet = sshdBank(sshd, { bank_code: 'quiet', download_path: join(sshd.filesDir, 'quiet') });
    const [refused, listed] = await Promise.allSettled([
      transport.listStable(crowded, ['2026-11-25']),
      transport.listStable(quiet, ['2026-11-25']),
    ]);
    expect(refused.status).toBe('rejected');
    const error = (refused as PromiseRejectedResult).reason as OperationalError;
    expect(error).toMatchObject({ code: 'listing_too_large', retryClass: 'critical' });
    expect(error.message).toContain('bank crowded');
    expect(error.message).toContain(join(sshd.filesDir, 'crowded'));
    expect(error.message).toContain('10000 entries');
    // stopped at the bound, not after reading all 100,000 names
    const soFar = (error.details as { entriesSoFar: number }).entriesSoFar;
    expect(soFar).toBeGreaterThan(10_000);
    expect(soFar).toBeLessThan(20_000);

    expect(listed).toMatchObject({ status: 'fulfilled', value: { files: [{ name: 'REC_20261125_01.txt' }] } });
    const download = await transport.download(quiet, 'REC_20261125_01.txt');
    expect(Buffer.from(download.bytes).toString()).toBe('reconciliation\n');

    // the same bank again, with its connection back in the pool: refused the same way, nothing left open
    await expect(transport.listStable(crowded, ['2026-11-25'])).rejects.toMatchObject({ code: 'listing_too_large' });
    expect(transport.sftpFor(crowded).stats()).toMatchObject({ active: 0 });
  }, 120_000);
});
