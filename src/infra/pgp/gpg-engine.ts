/**
 * The GnuPG engine, for banks whose own tooling is GnuPG and who want byte-for-byte the same behaviour. Each
 * operation runs `gpg --batch` in a private temporary GNUPGHOME (0700) into which exactly the keys of this
 * operation are imported, and which is deleted afterwards (its gpg-agent stopped). The passphrase goes through
 * file descriptor 3 (`--passphrase-fd 3 --pinentry-mode loopback`), status lines come back on fd 4; nothing
 * secret is ever on the command line or in the environment, and the session key gpg reports
 * (`--show-session-key`, status fd only) is dropped from the status lines before anything could log them.
 *
 * @example
 *   const engine = createGpgEngine({ gpgPath: '/usr/bin/gpg' });
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type * as openpgp from 'openpgp';
import { decryptSessionKeys as openpgpDecryptSessionKeys } from 'openpgp';
import type { DecryptJob, EncryptJob, PgpEngine, RawDecryption, RawSignature } from './engine.ts';
import { PgpError, type PgpErrorContext } from './errors.ts';
import type { KeyEntry, PrivateKeyEntry } from './keyring.ts';
import { listSignatures, readConfig, readFailure } from './message.ts';
import { cipherName, hashName } from './policy.ts';

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

  /**
   * gpg decrypts (session key, MDC) and verifies every signature; its plaintext output is not used: in text
   * mode gpg drops the CRs the bank signed. The bytes we keep come from the same openpgp.js reading of the
   * decrypted packets as the openpgp engine's, decrypted with the session key gpg reports.
   */
  async function decrypt(job: DecryptJob): Promise<RawDecryption> {
    const home = await newHome();
    try {
      await importKeys(home, job.ctx, [...job.verificationKeys, ...job.decryptionKeys]);
      const passphrase = job.decryptionKeys.map((k) => k.passphrase).find((p) => p !== undefined);
      const args = ['--max-output', String(job.maxBytes), '--output', '/dev/null'];
      if (job.encrypted) args.push('--show-session-key');
      args.push('--decrypt');
      const r = run(home, args, passphrase);
      r.child.stdout?.resume();
      await feed(toAsync(job.bytes), r.child.stdin as Writable);
      const code = await r.exit;
      const sessionKey = takeSessionKey(r.status);
      const info = decryptionInfo(r.status);
      if (job.encrypted && info) {
        if (info.aead !== 0) {
          throw new PgpError(
            'pgp_feature_not_allowed',
            job.ctx,
            'AEAD encryption is not accepted; expected SEIPD v1 with MDC',
          );
        }
        job.checkCipher(cipherName(info.cipher));
      }
      const failure = classifyFailure(job, r, code);
      if (failure?.code === 'pgp_corrupted' && job.encrypted && !info && (await isSeipdV2(job))) {
        throw new PgpError(
          'pgp_feature_not_allowed',
          job.ctx,
          'AEAD encryption (SEIPD v2) is not accepted; expected SEIPD v1 with MDC',
        );
      }
      if (failure) throw failure;
      const inner = job.encrypted ? await innerOf(job, sessionKey) : job.outer;
      const listed = await listSignatures(inner, [], job.verifyAt, job.ctx, job.maxBytes);
      return {
        inner,
        ...(info ? { cipher: cipherName(info.cipher) } : {}),
        signatures: signaturesOf(r.status),
        packetSignatures: listed,
      };
    } finally {
      await disposeHome(home);
    }
  }

  return { name: 'gpg', encrypt, decrypt };
}

const asBytes = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);

async function* toAsync(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

/** The SESSION_KEY line, removed from the status lines so that no error detail or log ever carries it. */
function takeSessionKey(status: string[]): openpgp.SessionKey | undefined {
  const index = status.findIndex((l) => l.startsWith('[GNUPG:] SESSION_KEY '));
  if (index < 0) return undefined;
  const [algo, hex] = (status[index]!.split(' ')[2] ?? '').split(':');
  status.splice(index, 1);
  return {
    algorithm: cipherName(Number(algo)) as openpgp.enums.symmetricNames,
    data: new Uint8Array(Buffer.from(hex ?? '', 'hex')),
  };
}

/**
 * gpg 2.2 predates SEIPD v2 and calls it damaged; openpgp.js tells (a session key without a cipher belongs to
 * a SEIPD v2 packet), so that both engines refuse it as the feature it is.
 */
async function isSeipdV2(job: DecryptJob): Promise<boolean> {
  try {
    const keys = await openpgpDecryptSessionKeys({
      message: job.outer,
      decryptionKeys: job.decryptionKeys.map((k) => k.unlocked),
      date: job.now,
    });
    return keys.some((k) => k.algorithm === null);
  } catch {
    return false;
  }
}

/** DECRYPTION_INFO <mdc_method> <sym_algo> [<aead_algo>]. */
function decryptionInfo(status: string[]): { mdc: number; cipher: number; aead: number } | undefined {
  const line = status.find((l) => l.startsWith('[GNUPG:] DECRYPTION_INFO '));
  if (!line) return undefined;
  const [, , mdc, cipher, aead] = line.split(' ');
  return { mdc: Number(mdc), cipher: Number(cipher), aead: Number(aead ?? 0) };
}

async function innerOf(
  job: DecryptJob,
  sessionKey: openpgp.SessionKey | undefined,
): Promise<openpgp.Message<Uint8Array>> {
  if (!sessionKey)
    throw new PgpError('pgp_engine_failed', job.ctx, 'gpg decrypted the message but reported no session key');
  try {
    const config = readConfig(job.maxBytes);
    return (await job.outer.decrypt(
      undefined,
      undefined,
      [sessionKey],
      job.now,
      config,
    )) as openpgp.Message<Uint8Array>;
  } catch (error) {
    throw readFailure(job.ctx, error, job.maxBytes, 'decryption failed (modified or truncated ciphertext)');
  }
}

/**
 * Failures of the data itself from the status lines. A signature that does not verify is not one of them
 * (gpg then exits 1 with the data intact): signatures are judged by the pipeline, as for openpgp.js.
 */
function classifyFailure(job: DecryptJob, r: GpgRun, code: number): PgpError | undefined {
  const has = (keyword: string) => r.status.some((l) => l.startsWith(`[GNUPG:] ${keyword}`));
  const details = { gpgStderr: r.stderr().slice(0, 1000), gpgStatus: r.status.slice(-12) };
  if (job.encrypted) {
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
    // With a bad signature gpg stops before the MDC (no DECRYPTION_OKAY): that is the signature's verdict,
    // not damage. The MDC is then checked when openpgp.js decrypts with gpg's session key.
    const signed = r.status.some((l) => /^\[GNUPG:\] (GOODSIG|BADSIG|ERRSIG|EXPKEYSIG|REVKEYSIG|EXPSIG)/.test(l));
    if (has('BADMDC') || has('DECRYPTION_FAILED') || (!has('DECRYPTION_OKAY') && !signed)) {
      return new PgpError('pgp_corrupted', job.ctx, 'decryption failed (modified or truncated ciphertext)', details);
    }
  }
  if (/exceeded --max-output/i.test(r.stderr())) {
    return new PgpError(
      'pgp_feature_not_allowed',
      job.ctx,
      `decompression limit: the plaintext would exceed ${job.maxBytes} bytes (possible compression bomb)`,
      details,
    );
  }
  if (has('NODATA') || has('UNEXPECTED'))
    return new PgpError('pgp_corrupted', job.ctx, 'the message is damaged', details);
  // One-pass headers not matching the signatures: the pipeline names that (message.ts checkPairing).
  if (/ambiguous signature data/.test(r.stderr())) return undefined;
  const sigLines = r.status.some((l) => /^\[GNUPG:\] (GOODSIG|BADSIG|ERRSIG|EXPKEYSIG|REVKEYSIG|EXPSIG)/.test(l));
  if (code !== 0 && !sigLines) {
    return new PgpError('pgp_corrupted', job.ctx, `gpg could not process the message (exit ${code})`, details);
  }
  return undefined;
}

/**
 * One entry per signature (NEWSIG starts each). VALIDSIG gives the hash algorithm and the creation time of a
 * good signature, ERRSIG those of one gpg could not check; BADSIG gives neither (it is refused anyway).
 */
function signaturesOf(status: string[]): RawSignature[] {
  const out: RawSignature[] = [];
  let current: RawSignature | undefined;
  const start = (keyId: string) => {
    if (current?.keyId !== '') {
      current = { keyId, status: 'bad' };
      out.push(current);
    }
    current.keyId = keyId;
    return current;
  };
  for (const line of status) {
    const [, keyword, ...args] = line.split(' ');
    const keyId = (args[0] ?? '').toUpperCase();
    switch (keyword) {
      case 'NEWSIG':
        current = { keyId: '', status: 'bad' };
        out.push(current);
        break;
      case 'GOODSIG':
      case 'EXPSIG':
      case 'EXPKEYSIG':
      case 'REVKEYSIG':
        // Cryptographically valid; key expiry and revocation are judged by the pipeline, as for openpgp.js.
        start(keyId).status = 'good';
        break;
      case 'BADSIG':
        Object.assign(start(keyId), { status: 'bad', detail: 'gpg: BAD signature' });
        break;
      case 'ERRSIG': {
        // ERRSIG <keyid> <pkalgo> <hashalgo> <sig_class> <time> <rc> [<fpr>]
        const sig = start(keyId);
        sig.status = args[5] === '9' ? 'no_key' : 'bad';
        sig.detail = `gpg: ERRSIG rc=${args[5] ?? '?'}`;
        sig.hash = hashName(Number(args[2]));
        sig.created = new Date(Number(args[4]) * 1000);
        break;
      }
      case 'VALIDSIG':
        // VALIDSIG <fpr> <date> <timestamp> <expire> <version> <reserved> <pkalgo> <hashalgo> <class> [<primary fpr>]
        if (current) {
          current.fingerprint = keyId;
          current.hash = hashName(Number(args[7]));
          current.created = new Date(Number(args[2]) * 1000);
        }
        break;
    }
  }
  return out.filter((s) => s.keyId !== '');
}
