/**
 * The GnuPG engine, for banks whose own tooling is GnuPG and who want byte-for-byte the same behaviour. Each
 * operation runs `gpg --batch` in a private temporary GNUPGHOME (0700) into which exactly the keys of this
 * operation are imported, and which is deleted afterwards (its gpg-agent stopped). The passphrase goes through
 * file descriptor 3 (`--passphrase-fd 3 --pinentry-mode loopback`), status lines come back on fd 4; nothing
 * secret is ever on the command line or in the environment. Data streams through stdin/stdout.
 *
 * @example
 *   const engine = createGpgEngine({ gpgPath: '/usr/bin/gpg' });
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { DecryptJob, EncryptJob, PgpEngine, RawDecryption, RawSignature } from './engine.ts';
import { PgpError, type PgpErrorContext } from './errors.ts';
import type { KeyEntry, PrivateKeyEntry } from './keyring.ts';

export interface GpgEngineOptions {
  gpgPath?: string;
  gpgconfPath?: string;
}

const BASE_ARGS = [
  '--batch',
  '--no-tty',
  '--quiet',
  '--no-greeting',
  '--no-permission-warning',
  '--no-auto-key-locate',
  '--no-auto-key-retrieve',
  '--no-emit-version',
  '--trust-model',
  'always',
];

interface GpgRun {
  child: ChildProcess;
  status: string[];
  stderr: () => string;
  exit: Promise<number>;
}

function readLines(stream: Readable | null, into: string[]): void {
  if (!stream) return;
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    into.push(...lines);
  });
  stream.on('end', () => {
    if (buffer) into.push(buffer);
  });
}

async function feed(input: AsyncIterable<Uint8Array>, stdin: Writable): Promise<void> {
  stdin.on('error', () => undefined); // gpg may exit early (bad input): its exit status tells why
  try {
    for await (const chunk of input) {
      if (stdin.destroyed) return;
      if (!stdin.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            stdin.off('drain', done);
            stdin.off('close', done);
            resolve();
          };
          stdin.once('drain', done);
          stdin.once('close', done);
        });
      }
    }
  } finally {
    stdin.end();
  }
}

export function createGpgEngine(options: GpgEngineOptions = {}): PgpEngine {
  const gpg = options.gpgPath ?? '/usr/bin/gpg';
  const gpgconf = options.gpgconfPath ?? join(gpg, '..', 'gpgconf');

  function run(home: string, args: string[], passphrase?: string): GpgRun {
    const fdArgs = passphrase !== undefined ? ['--pinentry-mode', 'loopback', '--passphrase-fd', '3'] : [];
    const child = spawn(gpg, ['--homedir', home, ...BASE_ARGS, '--status-fd', '4', ...fdArgs, ...args], {
      stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GNUPGHOME: home, LANG: 'C', LC_ALL: 'C' },
    });
    const status: string[] = [];
    readLines(child.stdio[4] as Readable, status);
    const passFd = child.stdio[3] as Writable;
    passFd.on('error', () => undefined);
    passFd.end(passphrase !== undefined ? `${passphrase}\n` : '');
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (c: string) => {
      if (stderr.length < 8192) stderr += c;
    });
    const exit = new Promise<number>((resolve) => {
      child.on('error', () => resolve(-1));
      child.on('close', (code) => resolve(code ?? -1));
    });
    return { child, status, stderr: () => stderr, exit };
  }

  async function newHome(): Promise<string> {
    const home = await mkdtemp(join(tmpdir(), 'bsftp-gpg-'));
    await chmod(home, 0o700);
    // A fixed S2K count spares gpg-agent its ~1 s start-up calibration. It only protects the copy of our key
    // inside this 0700 home, which lives for one operation; the stored key keeps its own protection.
    await writeFile(join(home, 'gpg-agent.conf'), 's2k-count 65536\n', { mode: 0o600 });
    return home;
  }

  async function disposeHome(home: string): Promise<void> {
    await new Promise<void>((resolve) => {
      const p = spawn(gpgconf, ['--homedir', home, '--kill', 'gpg-agent'], { stdio: 'ignore' });
      p.on('error', () => resolve());
      p.on('close', () => resolve());
    });
    await rm(home, { recursive: true, force: true });
  }

  async function importKeys(
    home: string,
    ctx: PgpErrorContext,
    keys: Array<KeyEntry | PrivateKeyEntry>,
  ): Promise<void> {
    if (keys.length === 0) return;
    const armored = [...new Set(keys.map((k) => k.armored))].join('\n');
    const passphrase = keys.map((k) => (k as PrivateKeyEntry).passphrase).find((p) => p !== undefined);
    const r = run(home, ['--import'], passphrase);
    r.child.stdin?.on('error', () => undefined);
    r.child.stdin?.end(armored);
    r.child.stdout?.resume();
    const code = await r.exit;
    if (code !== 0 || !r.status.some((l) => l.startsWith('[GNUPG:] IMPORT_OK'))) {
      throw new PgpError(
        'pgp_key_invalid',
        { ...ctx, fingerprint: keys.map((k) => k.info.fingerprint).join(',') },
        `gpg could not import the keys (exit ${code})`,
        {
          gpgStderr: r.stderr().slice(0, 1000),
        },
      );
    }
  }

  async function* encrypt(input: AsyncIterable<Uint8Array>, job: EncryptJob): AsyncIterable<Uint8Array> {
    const home = await newHome();
    let r: GpgRun | undefined;
    try {
      await importKeys(home, job.ctx, [...job.recipients, ...(job.signer ? [job.signer] : [])]);
      const args = [
        '--cipher-algo',
        'AES256',
        '--digest-algo',
        'SHA256',
        '--compress-algo',
        'none',
        '--set-filename',
        job.filename,
        '--output',
        '-',
      ];
      if (job.armor) args.push('--armor');
      if (job.signer) args.push('--local-user', `${job.signer.info.fingerprint}!`, '--sign');
      for (const recipient of job.recipients) args.push('--recipient', recipient.info.fingerprint);
      if (job.recipients.length > 0) args.push('--encrypt');
      r = run(home, args, job.signer?.passphrase);
      const fed = feed(input, r.child.stdin as Writable);
      for await (const chunk of r.child.stdout as Readable) yield asBytes(chunk as Buffer);
      await fed;
      const code = await r.exit;
      if (code !== 0) {
        throw new PgpError('pgp_engine_failed', job.ctx, `gpg failed to sign/encrypt (exit ${code})`, {
          gpgStderr: r.stderr().slice(0, 1000),
          gpgStatus: r.status.slice(-10),
        });
      }
    } finally {
      if (r && r.child.exitCode === null) r.child.kill('SIGKILL');
      if (r) await r.exit;
      await disposeHome(home);
    }
  }

  async function decrypt(input: AsyncIterable<Uint8Array>, job: DecryptJob): Promise<RawDecryption> {
    const home = await newHome();
    let r: GpgRun;
    try {
      await importKeys(home, job.ctx, [...job.verificationKeys, ...job.decryptionKeys]);
      const passphrase = job.decryptionKeys.map((k) => k.passphrase).find((p) => p !== undefined);
      r = run(home, ['--output', '-', '--decrypt'], passphrase);
    } catch (error) {
      await disposeHome(home);
      throw error;
    }
    const fed = feed(input, r.child.stdin as Writable);
    let finished = false;
    async function* data(): AsyncIterable<Uint8Array> {
      try {
        for await (const chunk of r.child.stdout as Readable) yield asBytes(chunk as Buffer);
        await fed;
        const code = await r.exit;
        finished = true;
        const failure = classifyFailure(job, r, code);
        if (failure) throw failure;
      } finally {
        if (r.child.exitCode === null) r.child.kill('SIGKILL');
        await r.exit;
        await disposeHome(home);
      }
    }
    return {
      data: data(),
      async finish() {
        if (!finished) throw new PgpError('pgp_engine_failed', job.ctx, 'gpg output was not read to the end');
        return { signatures: signaturesOf(r.status) };
      },
    };
  }

  return { name: 'gpg', encrypt, decrypt };
}

const asBytes = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);

/** Decryption failures from the status lines; signature problems are left to the pipeline (exit 1 is fine). */
function classifyFailure(job: DecryptJob, r: GpgRun, code: number): PgpError | undefined {
  const has = (keyword: string) => r.status.some((l) => l.startsWith(`[GNUPG:] ${keyword}`));
  const details = { gpgStderr: r.stderr().slice(0, 1000), gpgStatus: r.status.slice(-12) };
  if (job.encrypted && (has('DECRYPTION_FAILED') || !has('DECRYPTION_OKAY'))) {
    const noSecKey = r.status.filter((l) => l.startsWith('[GNUPG:] NO_SECKEY')).map((l) => l.split(' ')[2]);
    const encTo = r.status.filter((l) => l.startsWith('[GNUPG:] ENC_TO')).map((l) => l.split(' ')[2]);
    if (encTo.length > 0 && noSecKey.length === encTo.length) {
      return new PgpError(
        'pgp_not_encrypted_to_us',
        { ...job.ctx, fingerprint: encTo.join(',') },
        'none of our keys can decrypt it',
        details,
      );
    }
    return new PgpError('pgp_corrupted', job.ctx, 'decryption failed (modified or truncated ciphertext)', details);
  }
  if (has('NODATA') || has('UNEXPECTED') || has('BADMDC')) {
    return new PgpError('pgp_corrupted', job.ctx, 'the message is damaged', details);
  }
  const sigLines = r.status.some((l) => /^\[GNUPG:\] (GOODSIG|BADSIG|ERRSIG|EXPKEYSIG|REVKEYSIG|EXPSIG)/.test(l));
  if (code !== 0 && !sigLines) {
    return new PgpError('pgp_corrupted', job.ctx, `gpg could not process the message (exit ${code})`, details);
  }
  return undefined;
}

function signaturesOf(status: string[]): RawSignature[] {
  const out: RawSignature[] = [];
  let validFingerprint: string | undefined;
  for (const line of status) {
    const [, keyword, ...args] = line.split(' ');
    const keyId = (args[0] ?? '').toUpperCase();
    switch (keyword) {
      case 'GOODSIG':
      case 'EXPSIG':
      case 'EXPKEYSIG':
      case 'REVKEYSIG':
        // Cryptographically valid; key expiry and revocation are judged by the pipeline, as for openpgp.js.
        out.push({ keyId, status: 'good' });
        break;
      case 'BADSIG':
        out.push({ keyId, status: 'bad', detail: 'gpg: BAD signature' });
        break;
      case 'ERRSIG':
        out.push({ keyId, status: args[5] === '9' ? 'no_key' : 'bad', detail: `gpg: ERRSIG rc=${args[5] ?? '?'}` });
        break;
      case 'VALIDSIG':
        validFingerprint = (args[0] ?? '').toUpperCase();
        for (const sig of out) if (sig.status === 'good' && !sig.fingerprint) sig.fingerprint = validFingerprint;
        break;
    }
  }
  return out;
}
