/**
 * The default engine: openpgp.js 6 in process, streaming through web streams. SEIPD v1 is forced by handing
 * openpgp.js an AES-256 session key without an AEAD algorithm: openpgp.js would otherwise pick SEIPD v2 (OCB)
 * on its own whenever every recipient key advertises it, which older bank tools cannot read.
 *
 * Binary messages take the fast path, where the per-byte work is node:crypto's: openpgp.js reads the keys,
 * encrypts or decrypts the session key and builds and checks the signature packets; signed-literal.ts writes
 * and reads the one-pass signed data around the content (OpenSSL signs); seipd.ts does the SEIPD packet, in a
 * worker thread for large files, where the content's digests are computed too (inner-digest.ts). Armored
 * messages, and anything whose layout, cipher or key type the fast path does not know, go through openpgp.js
 * whole: slower, same result.
 */
import { randomBytes } from 'node:crypto';
import * as openpgp from 'openpgp';
import { OPENPGP_CONFIG } from './config.ts';
import type {
  DecryptJob,
  EncryptJob,
  FileDecryptJob,
  PgpEngine,
  RawDecryption,
  RawFileDecryption,
  RawSignature,
} from './engine.ts';
import { PgpError } from './errors.ts';
import { type EncryptedDataLocation, locateEncryptedData } from './packets.ts';
import { canEncryptSeipd, isSeipdCipher, PacketBodyReader } from './seipd.ts';
import { decryptFileInWorker, type InnerDigests, OFFLOAD_THRESHOLD, seipdTransform } from './seipd-offload.ts';
import { fastSigner, readSignedLiteral, signedLiteral, verifySignatures } from './signed-literal.ts';
import { bytesToText, peek, rechunk, textToBytes, toWebStream } from './streams.ts';

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

function corrupted(job: { ctx: DecryptJob['ctx'] }, error: unknown): PgpError {
  if (error instanceof PgpError) return error;
  return new PgpError('pgp_corrupted', job.ctx, `the message could not be read: ${(error as Error).message}`);
}

const HEAD_BYTES = 64 * 1024;
/** Enough decrypted bytes to see the one-pass signature packets and the literal packet's header. */
const INNER_HEAD_BYTES = 4096;

/** How often the one-pass signed data was written and read here rather than by openpgp.js (tests). */
export const signedLiteralRuns = { written: 0, read: 0 };

/** The signed literal data: our one-pass writer where the key allows, openpgp.js otherwise (or unsigned). */
async function innerPackets(input: AsyncIterable<Uint8Array>, job: EncryptJob): Promise<AsyncIterable<Uint8Array>> {
  const chunks = rechunk(input, CHUNK);
  const signer = job.signer ? await fastSigner(job.signer.unlocked, job.now) : undefined;
  const fast = signer && signedLiteral(chunks, signer, job.filename, job.now);
  if (fast) {
    signedLiteralRuns.written++;
    return fast;
  }
  // Created only here: openpgp.js starts pulling its input as soon as the message exists.
  const message = await openpgp.createMessage({
    binary: toWebStream(chunks),
    filename: job.filename,
    format: 'binary',
    date: job.now,
  });
  const inner = job.signer
    ? await openpgp.sign({
        message,
        signingKeys: [job.signer.unlocked],
        format: 'binary',
        date: job.now,
        config: OPENPGP_CONFIG,
      } as Parameters<typeof openpgp.sign>[0])
    : message.write();
  return fromWeb(inner as unknown as ReadableStream<Uint8Array>);
}

/** Session key packets by openpgp.js, then our SEIPD packet around the signed literal data. */
async function* encryptFast(input: AsyncIterable<Uint8Array>, job: EncryptJob): AsyncIterable<Uint8Array> {
  const inner = await innerPackets(input, job);
  const sessionKey = new Uint8Array(randomBytes(32));
  yield await openpgp.encryptSessionKey({
    data: sessionKey,
    algorithm: 'aes256',
    encryptionKeys: job.recipients.map((r) => r.key),
    format: 'binary',
    date: job.now,
    config: OPENPGP_CONFIG,
  });
  yield* seipdTransform('encrypt', 'aes256', sessionKey, inner);
}

async function* encryptStream(input: AsyncIterable<Uint8Array>, job: EncryptJob): AsyncIterable<Uint8Array> {
  if (!job.armor && job.recipients.length > 0 && canEncryptSeipd()) {
    yield* encryptFast(input, job);
    return;
  }
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

async function decryptWhole(input: AsyncIterable<Uint8Array>, job: DecryptJob): Promise<RawDecryption> {
  let message: openpgp.Message<ReadableStream<Uint8Array>>;
  try {
    message = job.armored
      ? await openpgp.readMessage({
          armoredMessage: toWebStream(bytesToText(rechunk(input, CHUNK)) as AsyncIterable<never>) as never,
          config: OPENPGP_CONFIG,
        })
      : await openpgp.readMessage({ binaryMessage: toWebStream(rechunk(input, CHUNK)), config: OPENPGP_CONFIG });
  } catch (error) {
    throw corrupted(job, error);
  }
  let result: openpgp.DecryptMessageResult | openpgp.VerifyMessageResult;
  try {
    result = job.encrypted
      ? await openpgp.decrypt({
          message,
          decryptionKeys: job.decryptionKeys.map((k) => k.unlocked),
          verificationKeys: job.verificationKeys.map((k) => k.key),
          format: 'binary',
          date: job.now,
          config: OPENPGP_CONFIG,
        })
      : await verifyWhole(message, job);
  } catch (error) {
    throw corrupted(job, error);
  }
  return rawDecryption(result, job);
}

/** A signed message verified by openpgp.js as it streams. */
function verifyWhole(message: openpgp.Message<ReadableStream<Uint8Array>>, job: DecryptJob) {
  return openpgp.verify({
    message,
    verificationKeys: job.verificationKeys.map((k) => k.key),
    format: 'binary',
    date: job.now,
    config: OPENPGP_CONFIG,
  });
}

async function decryptSessionKey(
  where: EncryptedDataLocation,
  job: DecryptJob,
): Promise<{ data: Uint8Array; algorithm: string }> {
  try {
    const keys = await openpgp.decryptSessionKeys({
      message: await openpgp.readMessage({ binaryMessage: where.sessionKeyPackets, config: OPENPGP_CONFIG }),
      decryptionKeys: job.decryptionKeys.map((k) => k.unlocked),
      date: job.now,
      config: OPENPGP_CONFIG,
    });
    return keys[0] as { data: Uint8Array; algorithm: string };
  } catch (error) {
    throw corrupted(job, error);
  }
}

/**
 * Session key packets and a SEIPD v1 packet with an AES session key: the key by openpgp.js, the packet by
 * seipd.ts, the signed content inside by signed-literal.ts (plain one-pass signed data) or openpgp.js (any
 * other layout). Undefined (nothing consumed) for anything else.
 */
async function decryptFast(
  head: Uint8Array,
  input: AsyncIterable<Uint8Array>,
  job: DecryptJob,
): Promise<RawDecryption | undefined> {
  const where = locateEncryptedData(head);
  if (!where || where.sessionKeyPackets.length === 0) return undefined;
  const sessionKey = await decryptSessionKey(where, job);
  const algorithm = sessionKey.algorithm;
  if (!isSeipdCipher(algorithm)) return undefined;
  async function* body(): AsyncIterable<Uint8Array> {
    const reader = new PacketBodyReader(where!.first);
    let skip = where!.bodyOffset;
    for await (const chunk of input) {
      const rest = skip >= chunk.length ? undefined : chunk.subarray(skip);
      skip = Math.max(0, skip - chunk.length);
      if (rest) yield* reader.push(rest);
    }
    reader.end();
  }
  const digests: InnerDigests = {};
  let decrypted: Awaited<ReturnType<typeof peek>>;
  try {
    decrypted = await peek(seipdTransform('decrypt', algorithm, sessionKey.data, body(), digests), INNER_HEAD_BYTES);
  } catch (error) {
    throw corrupted(job, error);
  }
  const read = readSignedLiteral(decrypted.head, decrypted.rest, () => digests.digests, job.verificationKeys, job.now);
  if (!read.fallback) {
    signedLiteralRuns.read++;
    return signedLiteralDecryption(read, job, () => digests.contentSha256);
  }
  let result: openpgp.VerifyMessageResult;
  try {
    const message = await openpgp.readMessage({
      binaryMessage: toWebStream(decrypted.rest),
      config: OPENPGP_CONFIG,
    });
    result = await verifyWhole(message, job);
  } catch (error) {
    throw corrupted(job, error);
  }
  return rawDecryption(result, job);
}

/**
 * A large file whose SEIPD packet holds plain one-pass signed data: decrypted file to file by a worker
 * (seipd-file.ts), signatures checked here against the digests it computed. Undefined for anything else,
 * small files (not worth a thread hop) and where no worker can run.
 */
async function decryptFile(job: FileDecryptJob): Promise<RawFileDecryption | undefined> {
  if (!job.encrypted || job.armored || job.size < OFFLOAD_THRESHOLD) return undefined;
  const where = locateEncryptedData(job.head);
  if (!where || where.sessionKeyPackets.length === 0) return undefined;
  const sessionKey = await decryptSessionKey(where, job);
  if (!isSeipdCipher(sessionKey.algorithm)) return undefined;
  let result: Awaited<ReturnType<typeof decryptFileInWorker>>;
  try {
    result = await decryptFileInWorker({
      input: job.input,
      bodyOffset: where.bodyOffset,
      first: where.first,
      algorithm: sessionKey.algorithm,
      key: sessionKey.data,
      output: job.output,
      maxOutputBytes: job.maxOutputBytes,
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'output_limit') throw new PgpError('pgp_feature_not_allowed', job.ctx, (error as Error).message);
    // A file system error (the worker passes its code): the message may be fine, the disk is not.
    if (code !== undefined) throw error;
    throw corrupted(job, error);
  }
  if (!result || result.fallback) return undefined;
  const { signatures, digests } = result;
  signedLiteralRuns.read++;
  return {
    bytesOut: result.bytesOut,
    finish: async () => ({ signatures: await verifySignatures(signatures, digests, job.verificationKeys, job.now) }),
    ...(result.contentSha256 ? { plaintextSha256: result.contentSha256 } : {}),
  };
}

function signedLiteralDecryption(
  read: Extract<ReturnType<typeof readSignedLiteral>, { fallback: false }>,
  job: DecryptJob,
  contentSha256: () => string | undefined,
): RawDecryption {
  async function* data(): AsyncIterable<Uint8Array> {
    try {
      yield* read.data;
    } catch (error) {
      throw corrupted(job, error);
    }
  }
  return {
    data: data(),
    finish: async () => ({ signatures: await read.finish() }),
    plaintextSha256: () => contentSha256(),
  };
}

async function decrypt(input: AsyncIterable<Uint8Array>, job: DecryptJob): Promise<RawDecryption> {
  if (!job.encrypted || job.armored) return decryptWhole(input, job);
  const { head, rest } = await peek(input, HEAD_BYTES);
  return (await decryptFast(head, rest, job)) ?? decryptWhole(rest, job);
}

function rawDecryption(
  result: openpgp.DecryptMessageResult | openpgp.VerifyMessageResult,
  job: DecryptJob,
): RawDecryption {
  const signatures = result.signatures;
  async function* data(): AsyncIterable<Uint8Array> {
    try {
      for await (const chunk of fromWeb(result.data as unknown as ReadableStream<Uint8Array>)) yield chunk;
    } catch (error) {
      throw corrupted(job, error);
    }
  }
  return {
    data: data(),
    async finish() {
      const out: RawSignature[] = [];
      for (const sig of signatures) {
        const keyId = sig.keyID.toHex().toUpperCase();
        try {
          await sig.verified;
          out.push({ keyId, status: 'good' });
        } catch (error) {
          const detail = (error as Error).message;
          out.push({ keyId, status: /could not find signing key/i.test(detail) ? 'no_key' : 'bad', detail });
        }
      }
      return { signatures: out };
    },
  };
}

export function createOpenpgpEngine(): PgpEngine {
  return {
    name: 'openpgp',
    encrypt: encryptStream,
    decrypt,
    decryptFile,
  };
}
