/**
 * What is acceptable, decided once for both engines. Before a byte is decrypted: the message's top-level
 * packets are read (AEAD / SEIPD v2 / unprotected SED refused, recipients compared with our keys). While it
 * streams: output size and expansion ratio are bounded (a compression bomb is refused long before memory is
 * at risk). At its end: the signature must be good, by a key of the bank, pinned when the profile pins
 * fingerprints, and that key must be neither expired nor revoked. Any failure surfaces as a PgpError thrown by
 * the output stream, at the latest when it ends: callers act on the plaintext only after it ended cleanly.
 */
import { open } from 'node:fs/promises';
import type { DecryptJob, EncryptJob, PgpEngine, RawSignature } from './engine.ts';
import { PgpError } from './errors.ts';
import { assertUsable, findKey, type KeyEntry } from './keyring.ts';
import { inspectMessageHead, type MessageHead, PACKET } from './packets.ts';
import { peek } from './streams.ts';

export interface DecryptLimits {
  /** Absolute ceiling on plaintext size. */
  maxOutputBytes: number;
  /** Plaintext may be at most this many times the input read so far (after `expansionSlackBytes`). */
  maxExpansionRatio: number;
  expansionSlackBytes: number;
}

export const DEFAULT_LIMITS: DecryptLimits = {
  maxOutputBytes: 8 * 1024 ** 3,
  maxExpansionRatio: 100,
  expansionSlackBytes: 16 * 1024 ** 2,
};

export interface DecryptPolicy {
  requireEncryption: boolean;
  requireSignature: boolean;
  /** Upper-case hex fingerprints (primary or signing subkey); empty = any key in `verificationKeys`. */
  acceptedSigners: string[];
  limits: DecryptLimits;
}

export interface VerifiedMessage {
  /** Primary fingerprint of the key whose signature was accepted; undefined when unsigned (profile allows). */
  signerFingerprint?: string;
  /** Key ids the message was encrypted to. */
  encryptedTo: string[];
  bytesIn: number;
  bytesOut: number;
}

export interface OpenedStream {
  /** Plaintext. Throws a PgpError on failure, possibly only at the end: do not act on it before it ends. */
  data: AsyncIterable<Uint8Array>;
  /** Settles after `data` ended: the verified facts, or the same error `data` threw. */
  result: Promise<VerifiedMessage>;
  /** Present when the engine hashes the plaintext itself: after `data` ended, its SHA-256 (hex). */
  plaintextSha256?: () => string | undefined;
}

const HEAD_BYTES = 64 * 1024;

function checkHead(head: MessageHead, job: Omit<DecryptJob, 'encrypted' | 'armored'>, policy: DecryptPolicy) {
  const { ctx } = job;
  const tags = head.packets.map((p) => p.tag);
  if (head.packets.length === 0) throw new PgpError('pgp_corrupted', ctx, 'no OpenPGP packets found');
  if (tags.includes(PACKET.AEAD_ENCRYPTED) || head.packets.some((p) => p.tag === PACKET.SEIPD && p.version !== 1)) {
    throw new PgpError(
      'pgp_feature_not_allowed',
      ctx,
      'AEAD encryption (SEIPD v2 / OCB / EAX) is not accepted; expected SEIPD v1 with MDC',
    );
  }
  if (
    head.packets.some((p) => (p.tag === PACKET.PKESK && p.version !== 3) || (p.tag === PACKET.SKESK && p.version !== 4))
  ) {
    throw new PgpError(
      'pgp_feature_not_allowed',
      ctx,
      'v6 session key packets are not accepted (RFC 4880 / v4 profile)',
    );
  }
  if (tags.includes(PACKET.SED)) {
    throw new PgpError(
      'pgp_feature_not_allowed',
      ctx,
      'symmetrically encrypted data without integrity protection (no MDC)',
    );
  }
  const encrypted = tags.includes(PACKET.SEIPD);
  const recipients = head.packets.filter((p) => p.tag === PACKET.PKESK).map((p) => p.keyId ?? '?');
  if (!encrypted && policy.requireEncryption) {
    throw new PgpError('pgp_not_encrypted_to_us', ctx, 'the message is not encrypted');
  }
  if (encrypted) {
    if (recipients.length === 0) {
      throw new PgpError('pgp_not_encrypted_to_us', ctx, 'the message is encrypted with a password, not to a key');
    }
    const ours = job.decryptionKeys.flatMap((k) => k.info.keyIds);
    const anonymous = recipients.includes('0000000000000000');
    if (!anonymous && !recipients.some((id) => ours.includes(id))) {
      throw new PgpError(
        'pgp_not_encrypted_to_us',
        { ...ctx, fingerprint: recipients.join(',') },
        `encrypted to key ids ${recipients.join(', ')}, none of them ours`,
      );
    }
  }
  if (
    !encrypted &&
    policy.requireSignature &&
    !tags.includes(PACKET.ONE_PASS_SIGNATURE) &&
    !tags.includes(PACKET.SIGNATURE)
  ) {
    if (!tags.includes(PACKET.COMPRESSED)) throw new PgpError('pgp_bad_signature', ctx, 'the message is not signed');
  }
  return { encrypted, recipients };
}

async function judgeSignatures(
  signatures: RawSignature[],
  job: Omit<DecryptJob, 'encrypted' | 'armored'>,
  policy: DecryptPolicy,
): Promise<string | undefined> {
  const { ctx } = job;
  if (signatures.length === 0) {
    if (policy.requireSignature) throw new PgpError('pgp_bad_signature', ctx, 'the message is not signed');
    return undefined;
  }
  const bad = signatures.find((s) => s.status === 'bad' && findKey(job.verificationKeys, s.keyId));
  if (bad) {
    throw new PgpError(
      'pgp_bad_signature',
      { ...ctx, fingerprint: findKey(job.verificationKeys, bad.keyId)?.info.fingerprint ?? bad.keyId },
      'the signature does not match the content',
    );
  }
  let firstProblem: PgpError | undefined;
  for (const sig of signatures) {
    const key: KeyEntry | undefined =
      findKey(job.verificationKeys, sig.fingerprint ?? sig.keyId) ?? findKey(job.verificationKeys, sig.keyId);
    if (!key || sig.status === 'no_key') {
      firstProblem ??= new PgpError(
        'pgp_unknown_signer',
        { ...ctx, fingerprint: sig.keyId },
        'signed by a key that is not one of the bank keys',
      );
      continue;
    }
    const accepted =
      policy.acceptedSigners.length === 0 ||
      policy.acceptedSigners.includes(key.info.fingerprint) ||
      (sig.fingerprint !== undefined && policy.acceptedSigners.includes(sig.fingerprint));
    if (!accepted) {
      firstProblem ??= new PgpError(
        'pgp_unknown_signer',
        { ...ctx, fingerprint: key.info.fingerprint },
        'signed by a bank key that is not in accepted_signer_fingerprints',
      );
      continue;
    }
    await assertUsable(key, 'verify', ctx, job.now);
    if (sig.status === 'good') return key.info.fingerprint;
  }
  throw firstProblem ?? new PgpError('pgp_bad_signature', ctx, 'no valid signature');
}

function inspect(firstBytes: Uint8Array, job: Omit<DecryptJob, 'encrypted' | 'armored'>): MessageHead {
  try {
    return inspectMessageHead(firstBytes);
  } catch (error) {
    throw new PgpError('pgp_corrupted', job.ctx, `not an OpenPGP message: ${(error as Error).message}`);
  }
}

async function readHead(path: string): Promise<{ head: Uint8Array; size: number }> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    const head = new Uint8Array(Math.min(HEAD_BYTES, size));
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    return { head: head.subarray(0, bytesRead), size };
  } finally {
    await file.close();
  }
}

/**
 * An encrypted file to a file through the engine's `decryptFile`, with the same checks as `decryptWith`: the
 * message head before, the signature judged after. Undefined when the engine cannot take this file that way
 * (the caller streams it through `decryptWith`); the output file then does not exist. On success or failure
 * the output may exist: the caller renames it into place only after success, and removes it otherwise.
 */
export async function decryptFileWith(
  engine: PgpEngine,
  paths: { input: string; output: string },
  job: Omit<DecryptJob, 'encrypted' | 'armored'>,
  policy: DecryptPolicy,
): Promise<(VerifiedMessage & { plaintextSha256?: string }) | undefined> {
  if (!engine.decryptFile) return undefined;
  const { head: firstBytes, size } = await readHead(paths.input);
  const head = inspect(firstBytes, job);
  const { encrypted, recipients } = checkHead(head, job, policy);
  const raw = await engine.decryptFile({
    ...job,
    encrypted,
    armored: head.armored,
    input: paths.input,
    head: firstBytes,
    size,
    output: paths.output,
    maxOutputBytes: policy.limits.maxOutputBytes,
  });
  if (!raw) return undefined;
  const { signatures } = await raw.finish();
  const signer = await judgeSignatures(signatures, job, policy);
  return {
    ...(signer ? { signerFingerprint: signer } : {}),
    encryptedTo: recipients,
    bytesIn: size,
    bytesOut: raw.bytesOut,
    ...(raw.plaintextSha256 ? { plaintextSha256: raw.plaintextSha256 } : {}),
  };
}

export async function decryptWith(
  engine: PgpEngine,
  input: AsyncIterable<Uint8Array>,
  job: Omit<DecryptJob, 'encrypted' | 'armored'>,
  policy: DecryptPolicy,
): Promise<OpenedStream> {
  const { head: firstBytes, rest } = await peek(input, HEAD_BYTES);
  const head = inspect(firstBytes, job);
  const { encrypted, recipients } = checkHead(head, job, policy);
  let bytesIn = 0;
  async function* counted(): AsyncIterable<Uint8Array> {
    for await (const chunk of rest) {
      bytesIn += chunk.length;
      yield chunk;
    }
  }
  const raw = await engine.decrypt(counted(), { ...job, encrypted, armored: head.armored });
  let settle!: { resolve: (v: VerifiedMessage) => void; reject: (e: unknown) => void };
  const result = new Promise<VerifiedMessage>((resolve, reject) => {
    settle = { resolve, reject };
  });
  result.catch(() => undefined);
  const { limits } = policy;
  async function* data(): AsyncIterable<Uint8Array> {
    let bytesOut = 0;
    try {
      for await (const chunk of raw.data) {
        bytesOut += chunk.length;
        if (bytesOut > limits.maxOutputBytes) {
          throw new PgpError(
            'pgp_feature_not_allowed',
            job.ctx,
            `plaintext exceeds the limit of ${limits.maxOutputBytes} bytes`,
          );
        }
        if (bytesOut > limits.expansionSlackBytes && bytesOut > bytesIn * limits.maxExpansionRatio) {
          throw new PgpError(
            'pgp_feature_not_allowed',
            job.ctx,
            `compressed data expands more than ${limits.maxExpansionRatio}:1 (decompression limit; possible compression bomb)`,
          );
        }
        yield chunk;
      }
      const { signatures } = await raw.finish();
      const signer = await judgeSignatures(signatures, job, policy);
      settle.resolve({ ...(signer ? { signerFingerprint: signer } : {}), encryptedTo: recipients, bytesIn, bytesOut });
    } catch (error) {
      settle.reject(error);
      throw error;
    }
  }
  const plaintextSha256 = raw.plaintextSha256?.bind(raw);
  return { data: data(), result, ...(plaintextSha256 ? { plaintextSha256 } : {}) };
}

export function encryptWith(
  engine: PgpEngine,
  input: AsyncIterable<Uint8Array>,
  job: EncryptJob,
): AsyncIterable<Uint8Array> {
  return engine.encrypt(input, job);
}
