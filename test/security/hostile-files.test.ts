/**
 * Hostile and broken reconciliation files on a real OpenSSH server, through a real poll: an oversized file, bytes
 * that are not OpenPGP, an empty file, a genuine PGP file whose content is not a reconciliation file, and a
 * compression bomb (64 MiB of zeros in ~64 KiB, signed by the bank and encrypted to us). Each is refused with
 * its documented error class, the downloaded ones are quarantined byte for byte, an exception is raised for
 * each, the genuine file listed with them is applied, and the next poll runs normally.
 */
import { mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BankConfig } from '../../src/infra/config/schema.ts';
import { MAX_RECONCILIATION_FILE_BYTES, pollBank } from '../../src/workflows/reconciliation/poll-bank.ts';
import { compressionBomb } from '../fixtures/pgp/fixtures.ts';
import { type SshdHandle, sshdBank, sshdSecrets, startSshd } from '../support/sshd.ts';
import { BANK_PGP, DAY, exceptionsOf, fileRow, type PollFixture, startPollFixture } from './poll-fixture.ts';

const NAMES = {
  oversized: 'REC_20261126_big.txt',
  grows: 'REC_20261126_grows.txt',
  garbage: 'REC_20261126_garbage.txt',
  empty: 'REC_20261126_empty.txt',
  notCsv: 'REC_20261126_notcsv.txt',
  bomb: 'REC_20261126_bomb.txt',
  genuine: 'REC_20261126_01.txt',
};

describe('oversized, malformed and compression-bomb files in a poll', () => {
  let f: PollFixture;
  let sshd: SshdHandle;
  let bank: BankConfig;
  const sent: Record<string, Uint8Array> = {};

  beforeAll(async () => {
    sshd = await startSshd();
    f = await startPollFixture({ getSecret: sshdSecrets(sshd) });
    bank = sshdBank(sshd, { bank_code: 'openssh', pgp: BANK_PGP });
    const dir = bank.download_path;
    mkdirSync(dir, { recursive: true });
    // sparse: the listing says 1 byte over the limit, no disk is used
    writeFileSync(join(dir, NAMES.oversized), '');
    truncateSync(join(dir, NAMES.oversized), MAX_RECONCILIATION_FILE_BYTES + 1);
    sent.garbage = new Uint8Array(Buffer.from('PK\u0003\u0004 this is not OpenPGP at all '.repeat(40)));
    sent.empty = new Uint8Array(0);
    sent.notCsv = await f.asBank(
      NAMES.notCsv,
      new TextEncoder().encode('<html><body>Service temporarily unavailable</body></html>\n'),
    );
    sent.bomb = await compressionBomb(64);
    sent.genuine = await f.genuineFile(NAMES.genuine);
    writeFileSync(join(dir, NAMES.grows), 'small when listed');
    for (const key of ['garbage', 'empty', 'notCsv', 'bomb', 'genuine'] as const) {
      writeFileSync(join(dir, NAMES[key]), sent[key]!);
    }
  });
  afterAll(async () => {
    await f?.close();
    await sshd?.stop();
  });

  it('refuses each with its documented error and still applies the genuine file', async () => {
    expect(sent.bomb!.length).toBeLessThan(1024 * 1024);
    // between listing and download one file grows past the limit (sparse: zeros, no disk used)
    const transport = {
      ...f.transport,
      listStable: async (...args: Parameters<typeof f.transport.listStable>) => {
        const listing = await f.transport.listStable(...args);
        truncateSync(join(bank.download_path, NAMES.grows), MAX_RECONCILIATION_FILE_BYTES + 1);
        return listing;
      },
    };
    const result = await pollBank({ ...f.deps, transport }, bank, [DAY]);
    expect(result.applied.map((a) => a.name)).toEqual([NAMES.genuine]);
    expect(Object.fromEntries(result.refused.map((r) => [r.name, r.error]))).toEqual({
      [NAMES.oversized]: `file_too_large: ${NAMES.oversized} from openssh is 41943041 bytes, over the limit of 41943040 bytes: not downloaded`,
      [NAMES.grows]: `file_too_large: ${NAMES.grows} from openssh grew past the limit while downloading (listed at 17 bytes), over the limit of 41943040 bytes: not downloaded`,
    });
    const errors = Object.fromEntries(result.quarantined.map((q) => [q.name, q.error]));
    expect(Object.keys(errors).sort()).toEqual([NAMES.bomb, NAMES.empty, NAMES.garbage, NAMES.notCsv].sort());
    expect(errors[NAMES.garbage]).toMatch(/^pgp_corrupted: /);
    expect(errors[NAMES.empty]).toMatch(/^pgp_corrupted: /);
    expect(errors[NAMES.notCsv]).toMatch(/^format_parse_error: /);
    expect(errors[NAMES.bomb]).toMatch(/^pgp_feature_not_allowed: .*decompression limit/);
  });

  it('keeps a byte-exact quarantine copy of each refused download, and raises an exception per file', async () => {
    const quarantined = await f.db.db.selectFrom('quarantined_files').selectAll().execute();
    expect(quarantined).toHaveLength(4);
    for (const row of quarantined) {
      const key = (Object.keys(NAMES) as Array<keyof typeof NAMES>).find((k) => NAMES[k] === row.remote_name)!;
      expect(Buffer.from(readFileSync(row.path)).equals(Buffer.from(sent[key]!))).toBe(true);
      expect(row.path.startsWith(join(f.dataDir, 'quarantine', 'openssh'))).toBe(true);
      expect((await fileRow(f, row.remote_name))?.status).toBe('quarantined');
    }
    expect(await exceptionsOf(f, 'quarantined_file')).toHaveLength(4);
    const oversized = await exceptionsOf(f, 'oversized_file');
    expect(oversized.map((e) => e.message).sort()).toEqual(
      [expect.stringContaining(NAMES.oversized), expect.stringContaining(NAMES.grows)].sort(),
    );
    // never fetched: no transfer recorded for it, nothing of it in the inbox
    const transfers = await f.db.db.selectFrom('transfers').select('remote_path').execute();
    expect(transfers.map((t) => t.remote_path).some((p) => p.endsWith(NAMES.oversized))).toBe(false);
    expect(f.filesUnder(f.dataDir).some((p) => p.includes(NAMES.oversized))).toBe(false);
    // nothing from a refused file was applied
    const records = await f.db.db.selectFrom('reconciliation_records').select('file_id').execute();
    const genuine = await fileRow(f, NAMES.genuine);
    expect(records.every((r) => r.file_id === genuine!.id)).toBe(true);
  });

  it('keeps running: the next poll fetches nothing again and raises nothing twice', async () => {
    const again = await f.poll(bank);
    expect(again.applied).toEqual([]);
    expect(again.quarantined).toEqual([]);
    expect(again.skipped.sort()).toEqual([NAMES.bomb, NAMES.empty, NAMES.garbage, NAMES.genuine, NAMES.notCsv].sort());
    expect(again.refused.map((r) => r.name).sort()).toEqual([NAMES.grows, NAMES.oversized].sort());
    expect(await exceptionsOf(f, 'oversized_file')).toHaveLength(2);
    expect(await exceptionsOf(f, 'quarantined_file')).toHaveLength(4);
  });
});
