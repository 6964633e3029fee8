/**
 * SFTP throughput against a real OpenSSH server on loopback: our client (pool + pipelined upload/download with
 * SHA-256, parallel writes enabled as a bank profile would) versus OpenSSH's own `sftp -b` (key auth), both
 * with the same cipher, plus 1,000 small files over one pooled connection set.
 *
 *   npx tsx bench/sftp.ts   (BENCH_SFTP_MB=200, BENCH_SFTP_ROUNDS=5, BENCH_SFTP_CIPHER=aes128-gcm@openssh.com,
 *                            BENCH_SFTP_CHUNK / BENCH_SFTP_CONCURRENCY to override the client's defaults)
 *
 * Each figure is the best of the rounds (the machine is shared), and the rounds alternate which client goes
 * first, so neither side always meets a warm or a busy machine. Five rounds, not three: on a 2-core VM a
 * 200 MB transfer's time spreads by a third from round to round on either side (OpenSSH's four processes more
 * than ours), and the best of three was often one lucky round against none. Connection set-up is included on
 * both sides.
 * Every download writes a new local file: the previous round's copy is removed before the clock starts, since
 * replacing a 200 MB file (freeing its cached pages) is work of the bench, not of the client.
 *
 * Same bytes both ways, but not the same work: ours also hashes every byte with SHA-256 (upload and download),
 * writes under a temp name and renames, and stats the final name before and after (idempotency, conflicts);
 * `sftp put/get` does none of that. So the "bare" lines time our client moving the same bytes without that
 * integrity work (same connection code, same pipelined WRITE/READ requests, no hash, no temp name, no checks):
 * the like-for-like transfer figure. The ratios against the target are the full ones.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BankConfig } from '../src/infra/config/schema.ts';
import { createBankSftp } from '../src/infra/sftp/bank-sftp.ts';
import { sourceChunks } from '../src/infra/sftp/byte-source.ts';
import { openSftpConnection } from '../src/infra/sftp/connection.ts';
import { DEFAULT_CHUNK, DEFAULT_CONCURRENCY, type TransferTuning } from '../src/infra/sftp/download.ts';
import { writePipelined } from '../src/infra/sftp/upload.ts';
import { type SshdHandle, sshdBank, sshdSecrets, startSshd } from '../test/support/sshd.ts';

const MB = 1024 * 1024;

function line(name: string, value: number, unit = ''): void {
  process.stdout.write(`${name}: ${value.toFixed(unit === 'MB/s' || unit === 's' ? 2 : 3)}${unit ? ` ${unit}` : ''}\n`);
}

type Rates = { up: number; down: number };
const best = (a: Rates, b: Rates): Rates => ({ up: Math.max(a.up, b.up), down: Math.max(a.down, b.down) });

/** Our client moving the same bytes with none of the integrity work (see the header). */
async function bare(
  sshd: SshdHandle,
  bank: BankConfig,
  preferCiphers: string[],
  tuning: TransferTuning,
  local: string,
  remote: string,
  into: string,
): Promise<{ up: number; down: number }> {
  const connect = () => openSftpConnection(bank, { getSecret: sshdSecrets(sshd), preferCiphers });
  let t0 = performance.now();
  let conn = await connect();
  const chunkSize = Math.min(tuning.chunkSize ?? DEFAULT_CHUNK, conn.maxWriteLength);
  const concurrency = tuning.concurrency ?? DEFAULT_CONCURRENCY;
  let handle = await conn.open(remote, 'w');
  const size = await writePipelined(
    conn,
    handle,
    remote,
    sourceChunks({ path: local }, chunkSize),
    concurrency,
    () => {},
  );
  await conn.closeHandle(handle, remote);
  await conn.close();
  const up = size / MB / ((performance.now() - t0) / 1000);

  rmSync(into, { force: true });
  t0 = performance.now();
  conn = await connect();
  handle = await conn.open(remote, 'r');
  const file = await open(into, 'w');
  const readSize = Math.min(chunkSize, conn.maxReadLength);
  // buffers reused once written, as the real download does
  const free: Buffer[] = [];
  const queue: Array<{ buffer: Buffer; pending: Promise<Buffer> }> = [];
  let next = 0;
  let written = 0;
  while (next < size || queue.length > 0) {
    while (next < size && queue.length < concurrency) {
      const length = Math.min(readSize, size - next);
      const buffer = free.pop() ?? Buffer.allocUnsafeSlow(readSize);
      queue.push({ buffer, pending: conn.readInto(handle, buffer.subarray(0, length), next, remote) });
      next += length;
    }
    const { buffer, pending } = queue.shift()!;
    const chunk = await pending;
    await file.write(chunk, 0, chunk.length, written);
    written += chunk.length;
    free.push(buffer);
  }
  await file.close();
  await conn.closeHandle(handle, remote);
  await conn.close();
  return { up, down: written / MB / ((performance.now() - t0) / 1000) };
}

export async function run(): Promise<void> {
  const sizeMb = Number(process.env.BENCH_SFTP_MB ?? 200);
  const rounds = Number(process.env.BENCH_SFTP_ROUNDS ?? 5);
  const cipher = process.env.BENCH_SFTP_CIPHER ?? 'aes128-gcm@openssh.com';
  const tuning: TransferTuning = {
    ...(process.env.BENCH_SFTP_CONCURRENCY ? { concurrency: Number(process.env.BENCH_SFTP_CONCURRENCY) } : {}),
    ...(process.env.BENCH_SFTP_CHUNK ? { chunkSize: Number(process.env.BENCH_SFTP_CHUNK) } : {}),
  };
  const sshd = await startSshd();
  try {
    const local = join(sshd.dir, 'payload.bin');
    const fd = openSync(local, 'w');
    const block = randomBytes(MB);
    for (let i = 0; i < sizeMb; i++) writeSync(fd, block);
    closeSync(fd);
    const bank = sshdBank(sshd, { parallel_writes: true });
    mkdirSync(bank.upload_path, { recursive: true });
    mkdirSync(bank.download_path, { recursive: true });
    const remote = (name: string) => join(bank.upload_path, name);
    const ssh = [
      '-q',
      '-b',
      '-',
      '-i',
      sshd.ed25519KeyPath,
      '-P',
      String(sshd.port),
      '-o',
      `Ciphers=${cipher}`,
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'BatchMode=yes',
      'root@127.0.0.1',
    ];
    const openssh = (batch: string) => {
      const t0 = performance.now();
      execFileSync('sftp', ssh, { input: batch, stdio: ['pipe', 'ignore', 'inherit'] });
      return (performance.now() - t0) / 1000;
    };

    let negotiated = '';
    const oursRound = async (round: number): Promise<Rates> => {
      const sftp = createBankSftp(bank, { getSecret: sshdSecrets(sshd), preferCiphers: [cipher], tuning });
      // download from the upload directory: same file, written locally like `sftp get` does
      const downloadBank = createBankSftp(sshdBank(sshd, { download_path: bank.upload_path }), {
        getSecret: sshdSecrets(sshd),
        preferCiphers: [cipher],
        tuning,
      });
      const name = `PAY_20261125_${String(round + 1).padStart(4, '0')}.txt`;
      try {
        let t0 = performance.now();
        await sftp.upload({ remoteName: name, source: { path: local } });
        const up = sizeMb / ((performance.now() - t0) / 1000);
        negotiated = (await sftp.pool.use(async (c) => c.info.algorithms.cipher)) ?? '';
        rmSync(join(sshd.dir, 'ours.bin'), { force: true });
        t0 = performance.now();
        await downloadBank.download(name, { path: join(sshd.dir, 'ours.bin') });
        const down = sizeMb / ((performance.now() - t0) / 1000);
        return { up, down };
      } finally {
        await sftp.end();
        await downloadBank.end();
        rmSync(remote(name));
      }
    };
    const theirsRound = (): Rates => {
      const upSeconds = openssh(`put ${local} ${remote('openssh.bin')}\n`);
      rmSync(join(sshd.dir, 'theirs.bin'), { force: true });
      const downSeconds = openssh(`get ${remote('openssh.bin')} ${join(sshd.dir, 'theirs.bin')}\n`);
      rmSync(remote('openssh.bin'));
      return { up: sizeMb / upSeconds, down: sizeMb / downSeconds };
    };
    const bareRound = async (): Promise<Rates> => {
      const rates = await bare(sshd, bank, [cipher], tuning, local, remote('bare.bin'), join(sshd.dir, 'bare.bin'));
      rmSync(remote('bare.bin'));
      return rates;
    };

    let ours: Rates = { up: 0, down: 0 };
    let theirs: Rates = { up: 0, down: 0 };
    let bareRates: Rates = { up: 0, down: 0 };
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        ours = best(ours, await oursRound(round));
        theirs = best(theirs, theirsRound());
      } else {
        theirs = best(theirs, theirsRound());
        ours = best(ours, await oursRound(round));
      }
      bareRates = best(bareRates, await bareRound());
    }
    process.stdout.write(`# ${sizeMb} MB, best of ${rounds}, cipher ${negotiated} on both sides, loopback\n`);
    line('sftp upload', ours.up, 'MB/s');
    line('sftp download', ours.down, 'MB/s');
    line('sftp upload bare (no SHA-256, temp name or checks)', bareRates.up, 'MB/s');
    line('sftp download bare (no SHA-256)', bareRates.down, 'MB/s');
    line('openssh upload', theirs.up, 'MB/s');
    line('openssh download', theirs.down, 'MB/s');
    line('ratio upload vs openssh', ours.up / theirs.up);
    line('ratio download vs openssh', ours.down / theirs.down);
    line('ratio bare upload vs openssh', bareRates.up / theirs.up);
    line('ratio bare download vs openssh', bareRates.down / theirs.down);

    const smallDir = join(sshd.dir, 'small');
    mkdirSync(smallDir);
    const sftp = createBankSftp(sshdBank(sshd, { upload_path: smallDir }), {
      getSecret: sshdSecrets(sshd),
      preferCiphers: [cipher],
    });
    try {
      const payload = randomBytes(10 * 1024);
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          sftp.upload({ remoteName: `PAY_20261125_${String(i + 1).padStart(4, '0')}.txt`, source: { bytes: payload } }),
        ),
      );
      line('sftp 1000 small files (10 KB) upload, pool of 5', (performance.now() - t0) / 1000, 's');
    } finally {
      await sftp.end();
    }
    writeFileSync(join(sshd.dir, 'done'), '');
  } finally {
    await sshd.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
