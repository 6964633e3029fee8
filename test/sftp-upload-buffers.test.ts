/**
 * Uploads through reused buffers (direct-writes.ts, packet-recycling.ts) against a real OpenSSH server: the bank
 * gets exactly our bytes under every kind of cipher ssh2 implements differently (AEAD in place, ChaCha20-Poly1305,
 * CTR with an encrypt-then-MAC), and across rekeys, which replace the cipher mid-transfer.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BulkWriter, openSftpConnection, type SftpConnection } from '../src/infra/sftp/connection.ts';
import { uploadFile } from '../src/infra/sftp/upload.ts';
import { type SshdHandle, sshdBank, sshdSecrets, startSshd } from './support/sshd.ts';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const MB = 1024 * 1024;

const CIPHERS = ['aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com', 'aes256-ctr'];
/** One server per cipher (its only one, so that is what is negotiated), and one that rekeys every 512 KB. */
const servers = new Map<string, SshdHandle>();

beforeAll(async () => {
  await Promise.all(
    [...CIPHERS.map((c) => [c, [`Ciphers ${c}`]] as const), ['rekey', ['RekeyLimit 512K']] as const].map(
      async ([key, extraConfig]) => {
        const server = await startSshd({ extraConfig: [...extraConfig] });
        servers.set(key, server);
        mkdirSync(sshdBank(server).upload_path, { recursive: true });
      },
    ),
  );
});

afterAll(async () => {
  await Promise.all([...servers.values()].map((server) => server.stop()));
});

async function connect(key: string): Promise<{ conn: SftpConnection; server: SshdHandle }> {
  const server = servers.get(key)!;
  return { conn: await openSftpConnection(sshdBank(server), { getSecret: sshdSecrets(server) }), server };
}

/** Uploads `bytes` with parallel writes and returns what the writer reports about its buffers. */
async function upload(conn: SftpConnection, server: SshdHandle, name: string, bytes: Buffer) {
  const local = join(server.dir, `${name}.local`);
  writeFileSync(local, bytes);
  let writer: BulkWriter | undefined;
  const open = conn.bulkWriter.bind(conn);
  conn.bulkWriter = (handle, path) => {
    writer = open(handle, path);
    return writer;
  };
  const result = await uploadFile(conn, {
    remoteDir: sshdBank(server).upload_path,
    remoteName: name,
    source: { path: local },
    parallel: true,
  });
  expect(result.status).toBe('uploaded');
  expect(result.sha256).toBe(sha(bytes));
  expect(sha(readFileSync(join(server.filesDir, 'upload', name)))).toBe(sha(bytes));
  return { stats: writer!.stats(), chunkSize: conn.maxWriteLength };
}

describe('uploads with reused WRITE and packet buffers', () => {
  for (const cipher of CIPHERS) {
    it(`${cipher}: the bank gets our bytes, and the steady state allocates no packet buffers`, async () => {
      const { conn, server: sshd } = await connect(cipher);
      try {
        expect(conn.info.algorithms.cipher).toBe(cipher);
        // larger than the 2 MB channel window, so messages are split where it runs out and queued
        const bytes = randomBytes(9 * MB + 4321);
        const { stats, chunkSize } = await upload(conn, sshd, `PAY_20261125_${cipher.slice(0, 6)}.txt`, bytes);
        expect(stats.directWrites).toBe(Math.ceil(bytes.length / chunkSize));
        // 9 MB is about 290 full packets; fresh buffers are only the first of each length and the free list's fill
        expect(stats.packetsReused).toBeGreaterThan(3 * stats.packetsFresh);
      } finally {
        await conn.close();
      }
    });
  }

  it('keeps the bytes intact across server rekeys every 512 KB, which replace the cipher mid-upload', async () => {
    const { conn, server: rekeying } = await connect('rekey');
    try {
      const bytes = randomBytes(6 * MB + 99);
      const { stats } = await upload(conn, rekeying, 'PAY_20261125_rekey.txt', bytes);
      // rekeys met mid-upload, and the recycler went on under each new cipher (how many depends on timing:
      // data sent while a key exchange runs is queued and then sent in ssh2's own buffers)
      expect(stats.ciphers).toBeGreaterThanOrEqual(2);
      expect(stats.packetsReused).toBeGreaterThan(0);
      // the connection goes on working with ssh2's own buffers once the writer is done
      await conn.statIfExists(sshdBank(rekeying).upload_path);
      const again = randomBytes(MB);
      await upload(conn, rekeying, 'PAY_20261125_after.txt', again);
    } finally {
      await conn.close();
    }
  });
});
