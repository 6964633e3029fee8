/**
 * SFTP against a real OpenSSH server on loopback: our client (pool, pipelined READ / WRITE requests through
 * ssh2's public API, SHA-256, temp name and rename) versus OpenSSH's own `sftp -b` (key auth), same cipher.
 * Report-only: no target. Two kinds of figure:
 * - per-file cost for 1 MB and 10 MB files (what a payment day pays: payment files are at most 10 MB): ours on a
 *   warm pooled connection, OpenSSH as one `sftp` session putting or getting the files minus an empty session
 *   (its process start and handshake), both divided by the number of files;
 * - throughput for one large file (BENCH_SFTP_MB), connection set-up included on both sides.
 *
 *   npx tsx bench/sftp.ts   (BENCH_SFTP_MB=200, BENCH_SFTP_ROUNDS=5, BENCH_SFTP_CIPHER=aes128-gcm@openssh.com,
 *                            BENCH_SFTP_OUTSTANDING / BENCH_SFTP_CHUNK to override the client's defaults)
 *
 * Each figure is the best of the rounds (the machine is shared), and the rounds alternate which client goes
 * first. Same bytes both ways, but not the same work: ours also hashes every byte with SHA-256, writes under a
 * temp name and renames, and stats the final name before and after (idempotency, conflicts); `sftp put/get` does
 * none of that. Ours holds an upload in memory (the service does) and streams a download to a local file.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { createBankSftp } from '../src/infra/sftp/bank-sftp.ts';
import type { TransferTuning } from '../src/infra/sftp/download.ts';
import { sshdBank, sshdSecrets, startSshd } from '../test/support/sshd.ts';

const MB = 1024 * 1024;

function line(name: string, value: number, unit = ''): void {
  const digits = unit === 'MB/s' || unit === 's' || unit === 'ms' ? 2 : 3;
  process.stdout.write(`${name}: ${value.toFixed(digits)}${unit ? ` ${unit}` : ''}\n`);
}

type Rates = { up: number; down: number };
const best = (a: Rates, b: Rates, pick: (x: number, y: number) => number): Rates => ({
  up: pick(a.up, b.up),
  down: pick(a.down, b.down),
});

export async function run(): Promise<void> {
  const sizeMb = Number(process.env.BENCH_SFTP_MB ?? 200);
  const rounds = Number(process.env.BENCH_SFTP_ROUNDS ?? 5);
  const cipher = process.env.BENCH_SFTP_CIPHER ?? 'aes128-gcm@openssh.com';
  const tuning: TransferTuning = {
    ...(process.env.BENCH_SFTP_OUTSTANDING ? { maxOutstanding: Number(process.env.BENCH_SFTP_OUTSTANDING) } : {}),
    ...(process.env.BENCH_SFTP_CHUNK ? { chunkSize: Number(process.env.BENCH_SFTP_CHUNK) } : {}),
  };
  const sshd = await startSshd();
  try {
    const bank = sshdBank(sshd);
    mkdirSync(bank.upload_path, { recursive: true });
    const remote = (name: string) => join(bank.upload_path, name);
    const local = (name: string) => join(sshd.dir, name);
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
      execFileSync('sftp', ssh, { input: batch || 'pwd\n', stdio: ['pipe', 'ignore', 'inherit'] });
      return performance.now() - t0;
    };
    const client = () =>
      // parallel_writes: true is the default now; set so the same bench runs on the code before issue 18
      createBankSftp(sshdBank(sshd, { download_path: bank.upload_path, parallel_writes: true }), {
        getSecret: sshdSecrets(sshd),
        preferCiphers: [cipher],
        tuning,
      });
    const downloadTo = async (sftp: ReturnType<typeof client>, name: string, path: string) => {
      const sink = createWriteStream(path);
      await sftp.download(name, { sink });
      sink.end();
      await finished(sink);
    };
    let negotiated = '';

    // --- per-file cost, 1 MB and 10 MB ---
    for (const fileMb of [1, 10]) {
      const count = fileMb === 1 ? 20 : 5;
      const bytes = randomBytes(fileMb * MB);
      writeFileSync(local('per-file.bin'), bytes);
      const names = Array.from({ length: count }, (_, i) => `PAY_20261125_${String(i + 1).padStart(4, '0')}.txt`);
      const oursRound = async (): Promise<Rates> => {
        const sftp = client();
        try {
          negotiated = await sftp.pool.use(async (c) => c.info.algorithms.cipher); // warm: connection set up
          let t0 = performance.now();
          for (const name of names) await sftp.upload({ remoteName: name, source: { bytes } });
          const up = (performance.now() - t0) / count;
          t0 = performance.now();
          for (const name of names) await downloadTo(sftp, name, local('ours-back.bin'));
          const down = (performance.now() - t0) / count;
          return { up, down };
        } finally {
          await sftp.end();
          for (const name of names) rmSync(remote(name), { force: true });
        }
      };
      const theirsRound = (): Rates => {
        const empty = openssh('');
        const up = openssh(names.map((n) => `put ${local('per-file.bin')} ${remote(`ssh-${n}`)}\n`).join(''));
        const down = openssh(names.map((n) => `get ${remote(`ssh-${n}`)} ${local('theirs-back.bin')}\n`).join(''));
        for (const name of names) rmSync(remote(`ssh-${name}`), { force: true });
        return { up: Math.max(0.001, (up - empty) / count), down: Math.max(0.001, (down - empty) / count) };
      };
      let ours: Rates = { up: Infinity, down: Infinity };
      let theirs: Rates = { up: Infinity, down: Infinity };
      for (let round = 0; round < Math.max(3, Math.ceil(rounds / 2)); round++) {
        if (round % 2 === 0) {
          ours = best(ours, await oursRound(), Math.min);
          theirs = best(theirs, theirsRound(), Math.min);
        } else {
          theirs = best(theirs, theirsRound(), Math.min);
          ours = best(ours, await oursRound(), Math.min);
        }
      }
      if (!readFileSync(local('ours-back.bin')).equals(bytes)) throw new Error('download differs from upload');
      process.stdout.write(`# per-file cost, ${count} files of ${fileMb} MB, cipher ${negotiated}\n`);
      line(`sftp upload ${fileMb} MB per file`, ours.up, 'ms');
      line(`sftp download ${fileMb} MB per file`, ours.down, 'ms');
      line(`openssh upload ${fileMb} MB per file`, theirs.up, 'ms');
      line(`openssh download ${fileMb} MB per file`, theirs.down, 'ms');
      line(`ratio upload ${fileMb} MB per-file time vs openssh`, ours.up / theirs.up);
      line(`ratio download ${fileMb} MB per-file time vs openssh`, ours.down / theirs.down);
    }

    // --- throughput, one large file ---
    const big = randomBytes(sizeMb * MB);
    writeFileSync(local('payload.bin'), big);
    const oursRound = async (round: number): Promise<Rates> => {
      const name = `PAY_20261126_${String(round + 1).padStart(4, '0')}.txt`;
      const sftp = client();
      try {
        let t0 = performance.now();
        await sftp.upload({ remoteName: name, source: { bytes: big } });
        const up = sizeMb / ((performance.now() - t0) / 1000);
        rmSync(local('ours.bin'), { force: true });
        const again = client();
        try {
          t0 = performance.now();
          await downloadTo(again, name, local('ours.bin'));
          return { up, down: sizeMb / ((performance.now() - t0) / 1000) };
        } finally {
          await again.end();
        }
      } finally {
        await sftp.end();
        rmSync(remote(name), { force: true });
      }
    };
    const theirsRound = (): Rates => {
      const upMs = openssh(`put ${local('payload.bin')} ${remote('openssh.bin')}\n`);
      rmSync(local('theirs.bin'), { force: true });
      const downMs = openssh(`get ${remote('openssh.bin')} ${local('theirs.bin')}\n`);
      rmSync(remote('openssh.bin'));
      return { up: sizeMb / (upMs / 1000), down: sizeMb / (downMs / 1000) };
    };
    let ours: Rates = { up: 0, down: 0 };
    let theirs: Rates = { up: 0, down: 0 };
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        ours = best(ours, await oursRound(round), Math.max);
        theirs = best(theirs, theirsRound(), Math.max);
      } else {
        theirs = best(theirs, theirsRound(), Math.max);
        ours = best(ours, await oursRound(round), Math.max);
      }
    }
    process.stdout.write(`# ${sizeMb} MB, best of ${rounds}, cipher ${negotiated} on both sides, loopback\n`);
    line('sftp upload', ours.up, 'MB/s');
    line('sftp download', ours.down, 'MB/s');
    line('openssh upload', theirs.up, 'MB/s');
    line('openssh download', theirs.down, 'MB/s');
    line('ratio upload vs openssh', ours.up / theirs.up);
    line('ratio download vs openssh', ours.down / theirs.down);

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
