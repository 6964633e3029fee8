/**
 * What is acceptable, decided once for both engines (docs/pgp.md). The message is read whole (bounded by the
 * limits), then: outer packets (AEAD and data without MDC refused, recipients compared with our keys); the
 * engine decrypts and verifies, the session key's cipher checked against the policy before the data is
 * decrypted; the decrypted packets read by openpgp.js (decompression bounded, the literal data kept byte for
 * byte, one-pass headers paired with their signatures); then every signature must be by an accepted key of the
 * bank that is neither expired nor revoked, with a strong hash, not dated beyond the allowed clock skew, and
 * good. Nothing of the plaintext is handed out before all of that passed.
 */
import type { PgpEngine, RawSignature } from './engine.ts';
import { PgpError, type PgpErrorContext } from './errors.ts';
import { assertUsable, findKey, type KeyEntry, type PrivateKeyEntry } from './keyring.ts';
import { checkPairing, type InnerMessage, readInner, readOuter } from './message.ts';
import { cipherVerdict, DEFAULT_CLOCK_SKEW_SECONDS, hashVerdict } from './policy.ts';
import { concat } from './streams.ts';

export interface DecryptLimits {
  /** Absolute ceiling on plaintext size (and on the message read). */
  maxOutputBytes: number;
  /** Plaintext may be at most this many times the message's size (after `expansionSlackBytes`). */
  maxExpansionRatio: number;
  expansionSlackBytes: number;
}

export const DEFAULT_LIMITS: DecryptLimits = {
  maxOutputBytes: 512 * 1024 ** 2,
  maxExpansionRatio: 100,
  expansionSlackBytes: 16 * 1024 ** 2,
};

export interface DecryptPolicy {
  requireEncryption: boolean;
  requireSignature: boolean;
  /** Upper-case hex fingerprints (primary or signing subkey); empty = any key in `verificationKeys`. */
  acceptedSigners: string[];
  limits: DecryptLimits;
  /** 3DES and CAST5 session keys accepted (the bank's `pgp.allow_legacy_ciphers`). */
  allowLegacyCiphers?: boolean;
  clockSkewSeconds?: number;
  /** Accepted, but worth an operator's look: a legacy cipher, a signature dated in the future within the skew. */
  warn?: (message: string, fields: Record<string, unknown>) => void;
}

export interface DecryptKeys {
  ctx: PgpErrorContext;
  decryptionKeys: PrivateKeyEntry[];
  verificationKeys: KeyEntry[];
  now: Date;
}

export interface VerifiedMessage {
  /** Primary fingerprint of the first accepted signer; undefined when unsigned (profile allows). */
  signerFingerprint?: string;
  /** Primary fingerprints of every signer (a message may carry several signatures, all checked). */
  signers: string[];
  /** Key ids the message was encrypted to. */
  encryptedTo: string[];
  /** Session key cipher (openpgp.js name); undefined when not encrypted. */
  cipher?: string;
  bytesIn: number;
  bytesOut: number;
}

export interface OpenedStream {
  /** Plaintext, handed out only once the whole message passed; throws the PgpError otherwise. */
  data: AsyncIterable<Uint8Array>;
  /** Settles after `data` ended: the verified facts, or the same error `data` threw. */
  result: Promise<VerifiedMessage>;
}

async function readAll(input: AsyncIterable<Uint8Array>, ctx: PgpErrorContext, limit: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of input) {
    length += chunk.length;
    if (length > limit) {
      throw new PgpError('pgp_feature_not_allowed', ctx, `the message is larger than the limit of ${limit} bytes`);
    }
    parts.push(chunk);
  }
  return concat(parts, length);
}

function checkRecipients(recipients: string[], keys: DecryptKeys): void {
  if (recipients.length === 0) return;
  const ours = keys.decryptionKeys.flatMap((k) => k.info.keyIds);
  const anonymous = recipients.includes('0000000000000000');
  if (!anonymous && !recipients.some((id) => ours.includes(id))) {
    throw new PgpError(
      'pgp_not_encrypted_to_us',
      { ...keys.ctx, fingerprint: recipients.join(',') },
      `encrypted to key ids ${recipients.join(', ')}, none of them ours`,
    );
  }
}

/** One signature, judged in a fixed order so that both engines name the same reason. */
async function judgeOne(
  sig: RawSignature,
  fallback: InnerMessage['signatures'][number] | undefined,
  keys: DecryptKeys,
  policy: DecryptPolicy,
): Promise<string> {
  const { ctx, now } = keys;
  const key = findKey(keys.verificationKeys, sig.fingerprint ?? sig.keyId) ?? findKey(keys.verificationKeys, sig.keyId);
  if (!key || sig.status === 'no_key') {
    throw new PgpError(
      'pgp_unknown_signer',
      { ...ctx, fingerprint: sig.keyId },
      'signed by a key that is not one of the bank keys',
    );
  }
  const accepted =
    policy.acceptedSigners.length === 0 ||
    policy.acceptedSigners.includes(key.info.fingerprint) ||
    (sig.fingerprint !== undefined && policy.acceptedSigners.includes(sig.fingerprint));
  if (!accepted) {
    throw new PgpError(
      'pgp_unknown_signer',
      { ...ctx, fingerprint: key.info.fingerprint },
      'signed by a bank key that is not in accepted_signer_fingerprints',
    );
  }
  await assertUsable(key, 'verify', ctx, now);
  const where = { ...ctx, fingerprint: key.info.fingerprint };
  const hash = sig.hash ?? fallback?.hash;
  if (hash !== undefined && hashVerdict(hash) !== 'ok') {
    throw new PgpError(
      'pgp_weak_hash',
      where,
      `the signature uses ${hash.toUpperCase()}; SHA-256 or stronger (SHA-224) is required`,
    );
  }
  const created = sig.created ?? fallback?.created;
  const skew = policy.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  if (created) {
    const ahead = Math.round((created.getTime() - now.getTime()) / 1000);
    if (ahead > skew) {
      throw new PgpError(
        'pgp_signature_in_future',
        where,
        `the signature is dated ${created.toISOString()}, ${ahead} s ahead of our clock (allowed: ${skew} s)`,
      );
    }
    if (ahead > 0)
      policy.warn?.('pgp signature dated in the future, within the allowed clock skew', {
        ...where,
        aheadSeconds: ahead,
      });
  }
  if (sig.status !== 'good') throw new PgpError('pgp_bad_signature', where, 'the signature does not match the content');
  return key.info.fingerprint;
}

async function judgeSignatures(
  signatures: RawSignature[],
  inner: InnerMessage,
  keys: DecryptKeys,
  policy: DecryptPolicy,
): Promise<string[]> {
  // A signature packet the engine did not report on (gpg may skip one) still has to be by a bank key.
  const reported = new Set(signatures.map((s) => s.keyId));
  for (const s of inner.signatures) {
    if (!reported.has(s.keyId)) {
      signatures = [
        ...signatures,
        { keyId: s.keyId, status: findKey(keys.verificationKeys, s.keyId) ? 'bad' : 'no_key' },
      ];
    }
  }
  if (signatures.length === 0) {
    if (policy.requireSignature) throw new PgpError('pgp_not_signed', keys.ctx, 'the message is not signed');
    return [];
  }
  const signers: string[] = [];
  for (const sig of signatures) {
    const fallback = inner.signatures.find((s) => s.keyId === sig.keyId);
    signers.push(await judgeOne(sig, fallback, keys, policy));
  }
  return [...new Set(signers)];
}

async function open(
  engine: PgpEngine,
  input: AsyncIterable<Uint8Array>,
  keys: DecryptKeys,
  policy: DecryptPolicy,
): Promise<{ plaintext: Uint8Array; verified: VerifiedMessage }> {
  const { ctx, now } = keys;
  const { limits } = policy;
  const bytes = await readAll(input, ctx, limits.maxOutputBytes);
  const maxBytes = Math.min(
    limits.maxOutputBytes,
    Math.max(limits.expansionSlackBytes, bytes.length * limits.maxExpansionRatio),
  );
  const outer = await readOuter(bytes, ctx, maxBytes);
  if (!outer.encrypted && policy.requireEncryption) {
    throw new PgpError('pgp_not_encrypted_to_us', ctx, 'the message is not encrypted');
  }
  checkRecipients(outer.recipients, keys);
  const skew = policy.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  const raw = await engine.decrypt({
    ...keys,
    bytes,
    outer: outer.message,
    encrypted: outer.encrypted,
    armored: outer.armored,
    verifyAt: new Date(now.getTime() + skew * 1000),
    maxBytes,
    checkCipher(cipher) {
      const verdict = cipherVerdict(cipher, policy.allowLegacyCiphers ?? false);
      if (verdict === 'refused') {
        const hint = ['tripledes', 'cast5'].includes(cipher)
          ? ' (legacy: allowed only by pgp.allow_legacy_ciphers)'
          : '';
        throw new PgpError(
          'pgp_feature_not_allowed',
          ctx,
          `session key cipher ${cipher.toUpperCase()} is not accepted${hint}`,
        );
      }
      if (verdict === 'legacy') policy.warn?.('pgp legacy cipher accepted by bank config', { ...ctx, cipher });
    },
  });
  const inner = readInner(raw.inner, raw.packetSignatures, ctx, maxBytes);
  checkPairing(inner, ctx, (keyId) => findKey(keys.verificationKeys, keyId) !== undefined);
  const signers = await judgeSignatures(raw.signatures, inner, keys, policy);
  return {
    plaintext: inner.literal,
    verified: {
      ...(signers[0] ? { signerFingerprint: signers[0] } : {}),
      signers,
      encryptedTo: outer.recipients,
      ...(raw.cipher ? { cipher: raw.cipher } : {}),
      bytesIn: bytes.length,
      bytesOut: inner.literal.length,
    },
  };
}

export async function decryptWith(
  engine: PgpEngine,
  input: AsyncIterable<Uint8Array>,
  keys: DecryptKeys,
  policy: DecryptPolicy,
): Promise<OpenedStream> {
  const opened = open(engine, input, keys, policy);
  const result = opened.then((o) => o.verified);
  result.catch(() => undefined);
  async function* data(): AsyncIterable<Uint8Array> {
    yield (await opened).plaintext;
  }
  return { data: data(), result };
}
