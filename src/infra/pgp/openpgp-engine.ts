/**
 * The default engine: openpgp.js 6 in process, through its public API only. Writing streams (openpgp.js signs
 * and encrypts a web stream as it flows); reading takes the whole message, as message.ts explains. SEIPD v1 is
 * forced by handing openpgp.js an AES-256 session key without an AEAD algorithm: openpgp.js would otherwise
 * pick SEIPD v2 (OCB) whenever every recipient key advertises it, which older bank tools cannot read.
 */
import { randomBytes } from 'node:crypto';
import * as openpgp from 'openpgp';
import { OPENPGP_CONFIG } from './config.ts';
import type { DecryptJob, EncryptJob, PgpEngine, RawDecryption, RawSignature } from './engine.ts';
import { PgpError } from './errors.ts';
import { listSignatures, readConfig, readFailure } from './message.ts';
import { rechunk, textToBytes, toWebStream } from './streams.ts';

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

async function* encrypt(input: AsyncIterable<Uint8Array>, job: EncryptJob): AsyncIterable<Uint8Array> {
  const message = await openpgp.createMessage({
    binary: toWebStream(rechunk(input, CHUNK)),
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

async function decryptData(job: DecryptJob): Promise<{ inner: openpgp.Message<Uint8Array>; cipher: string }> {
  const config = readConfig(job.maxBytes);
  let sessionKeys: openpgp.DecryptedSessionKey[];
  try {
    sessionKeys = await openpgp.decryptSessionKeys({
      message: job.outer,
      decryptionKeys: job.decryptionKeys.map((k) => k.unlocked),
      date: job.now,
      config,
    });
  } catch (error) {
    throw new PgpError(
      'pgp_not_encrypted_to_us',
      job.ctx,
      `none of our keys decrypts the session key: ${(error as Error).message}`,
    );
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

export function createOpenpgpEngine(): PgpEngine {
  return { name: 'openpgp', encrypt, decrypt };
}
