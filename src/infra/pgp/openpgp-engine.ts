/**
 * The default engine: openpgp.js 6 in process, through its public API only. Writing streams large inputs
 * (openpgp.js signs and encrypts a web stream as it flows); reading takes the whole message (message.ts).
 * SEIPD v1 is forced by handing openpgp.js an AES-256 session key without an AEAD algorithm: openpgp.js would
 * otherwise pick SEIPD v2 (OCB) whenever every recipient key advertises it, which older bank tools cannot read.
 */
import { randomBytes } from 'node:crypto';
import * as openpgp from 'openpgp';
import { OPENPGP_CONFIG } from './config.ts';
import type { DecryptJob, EncryptJob, PgpEngine, RawDecryption, RawSignature } from './engine.ts';
import { PgpError } from './errors.ts';
import { listSignatures, readConfig, readFailure } from './message.ts';
import { concat, rechunk, textToBytes, toWebStream } from './streams.ts';

const CHUNK = 1 << 20;

async function* fromWeb<T>(stream: ReadableStream<T> | T): AsyncIterable<T> {
  if (!(stream instanceof ReadableStream)) {
    yield stream as T;
    return;
  }
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/**
 * Up to this much input is handed to openpgp.js as one array (a 10 MB file signs and encrypts ~1.4x faster
 * that way than streamed); beyond it the input streams, in constant memory.
 */
const WHOLE_BELOW = 64 * 1024 * 1024;

/** The input whole when it is small, else a stream of all of it (what was read first included). */
async function wholeOrStream(
  input: AsyncIterable<Uint8Array>,
  wholeBelow: number,
): Promise<Uint8Array | ReadableStream<Uint8Array>> {
  const iterator = input[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return concat(head, length);
    head.push(next.value);
    length += next.value.length;
    if (length >= wholeBelow) break;
  }
  async function* all(): AsyncIterable<Uint8Array> {
    yield* head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return toWebStream(rechunk(all(), CHUNK));
}

async function* encrypt(
  input: AsyncIterable<Uint8Array>,
  job: EncryptJob,
  wholeBelow = WHOLE_BELOW,
): AsyncIterable<Uint8Array> {
  const message = await openpgp.createMessage({
    binary: await wholeOrStream(input, wholeBelow),
    filename: job.filename,
    format: 'binary',
    date: job.now,
  });
  const format = job.armor ? 'armored' : 'binary';
  const signingKeys = job.signer ? [job.signer.unlocked] : undefined;
  let output: ReadableStream<string | Uint8Array>;
  if (job.recipients.length > 0) {
    output = (await openpgp.encrypt({
      message,
      encryptionKeys: job.recipients.map((r) => r.key),
      ...(signingKeys ? { signingKeys } : {}),
      sessionKey: { data: new Uint8Array(randomBytes(32)), algorithm: 'aes256' },
      format,
      date: job.now,
      config: OPENPGP_CONFIG,
    } as Parameters<typeof openpgp.encrypt>[0])) as unknown as ReadableStream<string | Uint8Array>;
  } else if (signingKeys) {
    output = (await openpgp.sign({
      message,
      signingKeys,
      format,
      date: job.now,
      config: OPENPGP_CONFIG,
    } as Parameters<typeof openpgp.sign>[0])) as unknown as ReadableStream<string | Uint8Array>;
  } else {
    throw new PgpError('pgp_key_missing', job.ctx, 'neither recipients nor a signing key: nothing to do');
  }
  yield* textToBytes(fromWeb(output));
}

/**
 * openpgp.js decrypts a session key only for a cipher the decryption key's self-signature lists (or one of
 * its fallbacks: AES-256, AES-128, 3DES, CAST5), while a receiver should decrypt whatever strong cipher it can
 * (docs/pgp.md): our older keys list AES-256 and AES-128 only, and a bank choosing AES-192 is fine. So the key
 * decrypts through an in-memory copy of it re-certified (openpgp.reformatKey) with AES-192 listed. The copy
 * is never stored or exported; our keys' expiry and revocation are checked on the originals before this.
 */
const decryptionViews = new WeakMap<openpgp.PrivateKey, Promise<openpgp.PrivateKey>>();

function decryptionView(key: openpgp.PrivateKey): Promise<openpgp.PrivateKey> {
  let view = decryptionViews.get(key);
  if (!view) {
    view = openpgp
      .reformatKey({
        privateKey: key,
        userIDs: [{ name: 'decryption view' }],
        date: key.getCreationTime(),
        format: 'object',
        config: { ...OPENPGP_CONFIG, preferredSymmetricAlgorithm: openpgp.enums.symmetric.aes192 },
      })
      .then((pair) => pair.privateKey);
    view.catch(() => decryptionViews.delete(key));
    decryptionViews.set(key, view);
  }
  return view;
}

async function decryptData(job: DecryptJob): Promise<{ inner: openpgp.Message<Uint8Array>; cipher: string }> {
  const config = readConfig(job.maxBytes);
  let sessionKeys: openpgp.DecryptedSessionKey[];
  try {
    sessionKeys = await openpgp.decryptSessionKeys({
      message: job.outer,
      decryptionKeys: await Promise.all(job.decryptionKeys.map((k) => decryptionView(k.unlocked))),
      date: job.now,
      config,
    });
  } catch (error) {
    const detail = (error as Error).message;
    // The cipher is not named: openpgp.js stops before telling it. Both engines give the same code.
    if (/non-preferred symmetric algorithm|unsupported cipher/i.test(detail)) {
      throw new PgpError(
        'pgp_feature_not_allowed',
        job.ctx,
        'session key cipher is not accepted (AES-128/192/256; 3DES and CAST5 only with allow_legacy_ciphers)',
      );
    }
    throw new PgpError('pgp_not_encrypted_to_us', job.ctx, `none of our keys decrypts the session key: ${detail}`);
  }
  const key = sessionKeys[0]!;
  // `algorithm` is null exactly when the session key belongs to a SEIPD v2 (AEAD) packet.
  if (key.algorithm === null) {
    throw new PgpError(
      'pgp_feature_not_allowed',
      job.ctx,
      'AEAD encryption (SEIPD v2) is not accepted; expected SEIPD v1 with MDC',
    );
  }
  job.checkCipher(key.algorithm);
  try {
    const inner = await job.outer.decrypt(
      undefined,
      undefined,
      [{ data: key.data, algorithm: key.algorithm }],
      job.now,
      config,
    );
    return { inner: inner as openpgp.Message<Uint8Array>, cipher: key.algorithm };
  } catch (error) {
    throw readFailure(job.ctx, error, job.maxBytes, 'decryption failed (modified or truncated ciphertext)');
  }
}

async function decrypt(job: DecryptJob): Promise<RawDecryption> {
  const { inner, cipher } = job.encrypted ? await decryptData(job) : { inner: job.outer, cipher: undefined };
  const keys = job.verificationKeys.map((k) => k.key);
  const listed = await listSignatures(inner, keys, job.verifyAt, job.ctx, job.maxBytes);
  const signatures: RawSignature[] = [];
  for (const { keyId, hash, created, verified } of listed) {
    const facts = { keyId, hash, ...(created ? { created } : {}) };
    try {
      await verified;
      signatures.push({ ...facts, status: 'good' });
    } catch (error) {
      const detail = (error as Error).message;
      signatures.push({ ...facts, status: /could not find signing key/i.test(detail) ? 'no_key' : 'bad', detail });
    }
  }
  return { inner, ...(cipher ? { cipher } : {}), signatures, packetSignatures: listed };
}

export interface OpenpgpEngineOptions {
  /** Inputs from this size on are streamed (default 64 MiB). */
  wholeBelowBytes?: number;
}

export function createOpenpgpEngine(options: OpenpgpEngineOptions = {}): PgpEngine {
  return {
    name: 'openpgp',
    encrypt: (input, job) => encrypt(input, job, options.wholeBelowBytes ?? WHOLE_BELOW),
    decrypt,
  };
}
