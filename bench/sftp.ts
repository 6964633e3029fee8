/**
 * SFTP throughput against a real OpenSSH server on loopback: our client (pool + pipelined upload/download with
 * SHA-256, parallel writes enabled as a bank profile would) versus OpenSSH's own `sftp -b` (key auth), both
 * with the same cipher, plus 1,000 small files over one pooled connection set.
 *
 *   npx tsx bench/sftp.ts            (BENCH_SFTP_MB=200, BENCH_SFTP_ROUNDS=2, BENCH_SFTP_CIPHER=aes128-gcm@openssh.com)
 *
 * Each figure is the best of the rounds (the machine is shared); connection set-up is included on both sides.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createBankSftp } from '../src/infra/sftp/bank-sftp.ts';
import { sshdBank, sshdSecrets, startSshd } from '../test/support/sshd.ts';

const MB = 1024 * 1024;

function line(name: string, value: number, unit = ''): void {
  process.stdout.write(`${name}: ${value.toFixed(unit === 'MB/s' || unit === 's' ? 2 : 3)}${unit ? ` ${unit}` : ''}\n`);
}

export async function run(): Promise<void> {
  const sizeMb = Number(process.env.BENCH_SFTP_MB ?? 200);
  const rounds = Number(process.env.BENCH_SFTP_ROUNDS ?? 2);
  const cipher = process.env.BENCH_SFTP_CIPHER ?? 'aes128-gcm@openssh.com';
  const concurrency = Number(process.env.BENCH_SFTP_CONCURRENCY ?? 64);
  const chunkSize = Number(process.env.BENCH_SFTP_CHUNK ?? 128 * 1024);
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

    let ours = { up: 0, down: 0 };
    let theirs = { up: 0, down: 0 };
    let negotiated = '';
    for (let round = 0; round < rounds; round++) {
      const sftp = createBankSftp(bank, {
        getSecret: sshdSecrets(sshd),
        preferCiphers: [cipher],
        tuning: { concurrency, chunkSize },
      });
      try {
        const name = `PAY_20261125_${String(round + 1).padStart(4, '0')}.txt`;
        let t0 = performance.now();
        await sftp.upload({ remoteName: name, source: { path: local } });
        const up = sizeMb / ((performance.now() - t0) / 1000);
        negotiated = (await sftp.pool.use(async (c) => c.info.algorithms.cipher)) ?? '';
        // download from the upload directory: same file, written locally like `sftp get` does
        const downloadBank = createBankSftp(sshdBank(sshd, { download_path: bank.upload_path }), {
          getSecret: sshdSecrets(sshd),
          preferCiphers: [cipher],
          tuning: { concurrency, chunkSize },
        });
        t0 = performance.now();
        await downloadBank.download(name, { path: join(sshd.dir, 'ours.bin') });
        const down = sizeMb / ((performance.now() - t0) / 1000);
        await downloadBank.end();
        ours = { up: Math.max(ours.up, up), down: Math.max(ours.down, down) };
        rmSync(remote(name));
      } finally {
        await sftp.end();
      }
      const upSeconds = openssh(`put ${local} ${remote('openssh.bin')}\n`);
      const downSeconds = openssh(`get ${remote('openssh.bin')} ${join(sshd.dir, 'theirs.bin')}\n`);
      theirs = { up: Math.max(theirs.up, sizeMb / upSeconds), down: Math.max(theirs.down, sizeMb / downSeconds) };
      rmSync(remote('openssh.bin'));
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
