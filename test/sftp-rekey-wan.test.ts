/**
 * Transfers across server rekeys through a WAN-like link: OpenSSH with `RekeyLimit 256K` behind
 * test/support/wan-proxy.ts, which delivers every SSH packet in its own read and splits every third in two, so
 * the key-exchange reply and NEWKEYS reach ssh2 in separate reads, as over a WAN (loopback alone hands them over
 * in one). Upload and download, SHA-256 checked on our side and on the server's disk.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBankSftp } from '../src/infra/sftp/bank-sftp.ts';
import { type SshdHandle, sshdBank, sshdSecrets, startSshd } from './support/sshd.ts';
import { type FragmentMode, startWanProxy, type WanProxy } from './support/wan-proxy.ts';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const REKEY_LIMIT = 256 * 1024;

// aes-gcm keeps the packet length in clear, so the proxy cuts at every packet boundary; under the other ciphers
// it cuts each read in uneven pieces, which also separates packets that travelled together
const CASES: Array<{ cipher: string; fragment: FragmentMode }> = [
  { cipher: 'aes128-gcm@openssh.com', fragment: 'ssh' },
  { cipher: 'chacha20-poly1305@openssh.com', fragment: 'bytes' },
  { cipher: 'aes256-ctr', fragment: 'bytes' },
];

describe.each(CASES)('across rekeys through a fragmenting proxy, $cipher', ({ cipher, fragment }) => {
  let sshd: SshdHandle;
  let proxy: WanProxy;

  beforeAll(async () => {
    // the server offers only this cipher, so it is the one negotiated
    sshd = await startSshd({
      extraConfig: [`RekeyLimit ${REKEY_LIMIT}`, `Ciphers ${cipher}`, 'MACs hmac-sha2-256-etm@openssh.com'],
    });
    mkdirSync(join(sshd.filesDir, 'upload'), { recursive: true });
    mkdirSync(join(sshd.filesDir, 'download'), { recursive: true });
    proxy = await startWanProxy({ target: { port: sshd.port }, fragment });
  });

  afterAll(async () => {
    await proxy?.close();
    await sshd?.stop();
  });

  it('uploads and downloads 2 MB intact while the server rekeys a dozen times', async () => {
    const bank = sshdBank(sshd, { sftp_port: proxy.port, bank_code: `wan_${cipher.slice(0, 6).replace(/\W/g, '')}` });
    const sftp = createBankSftp(bank, { getSecret: sshdSecrets(sshd) });
    try {
      const bytes = randomBytes(2 * 1024 * 1024 + 11);
      const name = `PAY_20261125_${fragment === 'ssh' ? '0001' : cipher.length.toString().padStart(4, '0')}.txt`;
      const up = await sftp.upload({ remoteName: name, source: { bytes } });
      expect(up).toMatchObject({ status: 'uploaded', sha256: sha(bytes) });
      expect(sha(readFileSync(join(sshd.filesDir, 'upload', name)))).toBe(sha(bytes));

      const back = randomBytes(2 * 1024 * 1024 + 13);
      const recName = `REC_20261125_${name.slice(13, 17)}.txt`;
      writeFileSync(join(sshd.filesDir, 'download', recName), back);
      const sink = new PassThrough();
      const chunks: Buffer[] = [];
      sink.on('data', (c: Buffer) => chunks.push(c));
      const down = await sftp.download(recName, { sink });
      expect(down).toMatchObject({ bytes: back.length, sha256: sha(back) });
      expect(sha(Buffer.concat(chunks))).toBe(sha(back));

      const { keyExchanges, cipherUsed } = await sftp.pool.use(async (c) => ({
        keyExchanges: c.keyExchanges,
        cipherUsed: c.info.algorithms.cipher,
      }));
      expect(cipherUsed).toBe(cipher);
      // 4 MB of data past a 256 KB limit: the server rekeyed many times on this one connection
      expect(keyExchanges).toBeGreaterThan(10);
      const stats = proxy.stats();
      if (fragment === 'ssh') {
        expect(stats.fellBackToBytes).toBe(0);
        expect(stats.sshPackets).toBeGreaterThan(100);
        expect(stats.splitPackets).toBeGreaterThan(30);
      }
      expect(stats.writes).toBeGreaterThan(stats.connections * 100);
    } finally {
      await sftp.end();
    }
  }, 120_000);
});
