/**
 * PGP per-file cost, which is what a payment day pays (payment files are at most ~1.3 MB, CSV at most ~10 MB):
 * sign+encrypt and decrypt+verify one 1 MB and one 10 MB file with the openpgp.js engine, the gpg engine and the
 * gpg CLI directly (same settings: AES-256, no compression, SEIPD v1 with MDC, the same keys and the same
 * signature digest). Report only: there is no target; the gpg CLI is the yardstick.
 *
 * Keys are RSA-3072 (what banks issue most), signed with SHA-256 on every side. With BENCH_PGP_KEY=ed25519
 * the gpg CLI is told SHA-512: openpgp.js signs with SHA-512 for a (legacy) Ed25519 key, its curve's hash,
 * whatever the configured preference, while gpg would pick SHA-256; comparing the two would time different work.
 *
 * The three contenders run in turns, BENCH_PGP_ROUNDS times (default 5), and each figure is the best of its
 * rounds: on a shared 2-core host a single run mostly measures what the neighbours were doing at that second.
 * The engines are timed through `protect` and `open` (bytes in memory, as the workflows call them, key loading
 * and checks included); the gpg CLI reads and writes files with its keys imported once beforehand (its best case).
 *
 *   npx tsx bench/pgp.ts            (or: npm run bench -- pgp)
 *   BENCH_PGP_SIZES_MB=1,10 BENCH_PGP_ROUNDS=5 to change the sizes and rounds
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BankConfig } from '../src/infra/config/schema.ts';
import { createBankCrypto, generateKeyPair } from '../src/infra/pgp/index.ts';
import { createFileSecretStore } from '../src/infra/secrets/index.ts';

const MB = 1024 * 1024;

function bank(code: string, engine: 'openpgp' | 'gpg', publicSecret: string): BankConfig {
  return {
    bank_code: code,
    pgp: {
      engine,
      encrypt: true,
      sign: true,
      armor: false,
      bank_public_key_secret: publicSecret,
      accepted_signer_fingerprints: [],
    },
  } as unknown as BankConfig;
}

function pseudoRandom(totalBytes: number): Uint8Array {
  // One random megabyte repeated: incompressible enough for a cipher benchmark, cheap to produce.
  const block = randomBytes(MB);
  const out = new Uint8Array(totalBytes);
  for (let at = 0; at < totalBytes; at += MB) out.set(block.subarray(0, Math.min(MB, totalBytes - at)), at);
  return out;
}

const KEY_TYPE = process.env.BENCH_PGP_KEY === 'ed25519' ? 'ed25519' : 'rsa3072';
const DIGEST = KEY_TYPE === 'ed25519' ? 'SHA512' : 'SHA256';

async function setup(dir: string) {
  const store = createFileSecretStore({ dir: join(dir, 'secrets') });
  const ours = await generateKeyPair({ userId: 'Bench Us <us@bench.example>', type: KEY_TYPE });
  const theirs = await generateKeyPair({ userId: 'Bench Bank <bank@bench.example>', type: KEY_TYPE });
  await store.put!('b-pgp-private', ours.privateKeyArmored);
  await store.put!('b-bank-public', theirs.publicKeyArmored);
  await store.put!('sim-pgp-private', theirs.privateKeyArmored);
  await store.put!('b-pgp-public', ours.publicKeyArmored);
  return { store, ours, theirs };
}

function gpgCli(home: string, args: string[], input?: string) {
  const r = spawnSync(
    '/usr/bin/gpg',
    ['--homedir', home, '--batch', '--no-tty', '--quiet', '--trust-model', 'always', ...args],
    {
      ...(input !== undefined ? { input } : {}),
      maxBuffer: 16 * MB,
    },
  );
  if (r.status !== 0) throw new Error(`gpg ${args.join(' ')} failed: ${r.stderr.toString()}`);
}

async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const ms = (name: string, seconds: number) => console.log(`${name}: ${(seconds * 1000).toFixed(1)} ms/file`);

async function perFile(dir: string, sizeMb: number, rounds: number) {
  const { store, ours, theirs } = await setup(dir);
  const crypto = createBankCrypto({ secrets: store });
  const plainBytes = pseudoRandom(sizeMb * MB);
  const plain = join(dir, 'plain.bin');
  writeFileSync(plain, plainBytes);
  const best: Record<string, number> = {};
  const keep = (name: string, seconds: number) => {
    best[name] = Math.min(best[name] ?? Number.POSITIVE_INFINITY, seconds);
  };
  const home = mkdtempSync(join(tmpdir(), 'bench-gpg-'));
  const home2 = mkdtempSync(join(tmpdir(), 'bench-gpg-'));
  try {
    gpgCli(home, ['--import'], ours.privateKeyArmored + theirs.publicKeyArmored);
    gpgCli(home2, ['--import'], theirs.privateKeyArmored + ours.publicKeyArmored);
    for (let round = 0; round < rounds; round++) {
      for (const engine of ['openpgp', 'gpg'] as const) {
        let wire: Uint8Array = new Uint8Array();
        keep(
          `encrypt_${engine}`,
          await timed(async () => {
            wire = await crypto.protect(bank('b', engine, 'b-bank-public'), 'bench.bin', plainBytes);
          }),
        );
        let out: Uint8Array = new Uint8Array();
        keep(
          `decrypt_${engine}`,
          await timed(async () => {
            out = await crypto.open(bank('sim', engine, 'b-pgp-public'), 'bench.bin', wire);
          }),
        );
        if (out.length !== sizeMb * MB) throw new Error(`${engine}: wrong output size`);
      }
      const enc = join(dir, 'cli.pgp');
      keep(
        'encrypt_cli',
        await timed(() =>
          gpgCli(home, [
            '--yes',
            '--cipher-algo',
            'AES256',
            '--digest-algo',
            DIGEST,
            '--compress-algo',
            'none',
            '-u',
            ours.fingerprint,
            '-r',
            theirs.fingerprint,
            '--sign',
            '--encrypt',
            '--output',
            enc,
            plain,
          ]),
        ),
      );
      keep(
        'decrypt_cli',
        await timed(() => gpgCli(home2, ['--yes', '--output', join(dir, 'cli.out'), '--decrypt', enc])),
      );
      if (statSync(join(dir, 'cli.out')).size !== sizeMb * MB) throw new Error('gpg CLI: wrong output size');
      if (readFileSync(join(dir, 'cli.out')).length !== plainBytes.length) throw new Error('gpg CLI: wrong output');
    }
  } finally {
    for (const h of [home, home2]) {
      spawnSync('/usr/bin/gpgconf', ['--homedir', h, '--kill', 'gpg-agent']);
      rmSync(h, { recursive: true, force: true });
    }
  }
  for (const engine of ['openpgp', 'gpg'] as const) {
    ms(`pgp sign+encrypt ${engine} engine ${sizeMb}MB`, best[`encrypt_${engine}`]!);
    ms(`pgp decrypt+verify ${engine} engine ${sizeMb}MB`, best[`decrypt_${engine}`]!);
  }
  ms(`pgp sign+encrypt gpg CLI ${sizeMb}MB`, best.encrypt_cli!);
  ms(`pgp decrypt+verify gpg CLI ${sizeMb}MB`, best.decrypt_cli!);
  // Time per file, ours over the CLI's: below 1, ours is cheaper.
  for (const engine of ['openpgp', 'gpg'] as const) {
    const r = (what: string) => (best[`${what}_${engine}`]! / best[`${what}_cli`]!).toFixed(2);
    console.log(`ratio sign+encrypt ${sizeMb}MB time ${engine} engine / gpg CLI: ${r('encrypt')}`);
    console.log(`ratio decrypt+verify ${sizeMb}MB time ${engine} engine / gpg CLI: ${r('decrypt')}`);
  }
}

export async function run(): Promise<void> {
  const sizes = (process.env.BENCH_PGP_SIZES_MB ?? '1,10').split(',').map(Number);
  const rounds = Number(process.env.BENCH_PGP_ROUNDS ?? 5);
  const dir = mkdtempSync(join(tmpdir(), 'bench-pgp-'));
  try {
    process.stdout.write(`# ${KEY_TYPE} keys, ${DIGEST} signatures on every side, best of ${rounds} rounds\n`);
    for (const size of sizes) await perFile(join(dir, `s${size}`), size, rounds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await run();
}
