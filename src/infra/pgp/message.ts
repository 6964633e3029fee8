/**
 * Reading a whole OpenPGP message with openpgp.js, for what both engines share (docs/pgp.md): the outer
 * packets (who it is encrypted to, AEAD or data without MDC, which we refuse before any engine runs) and the
 * inner packets once decrypted (the literal data we keep, byte for byte, and how its one-pass headers pair with
 * its signatures). A message is read whole: bank files are at most a few tens of MB, and only then does
 * openpgp.js show every signature packet, trailing ones included.
 */
import * as openpgp from 'openpgp';
import { OPENPGP_CONFIG } from './config.ts';
import { PgpError, type PgpErrorContext } from './errors.ts';

const { packet } = openpgp.enums;

export interface OuterMessage {
  armored: boolean;
  message: openpgp.Message<Uint8Array>;
  encrypted: boolean;
  /** Key ids the session key is encrypted to (upper-case hex; all zeros: anonymous recipient). */
  recipients: string[];
}

export function looksArmored(bytes: Uint8Array): boolean {
  const start = new TextDecoder('latin1').decode(bytes.subarray(0, 64)).trimStart();
  return start.startsWith('-----BEGIN PGP ');
}

/**
 * openpgp.js's config for reading a message whose plaintext may be at most `maxBytes`. Its message grammar
 * check is off: it refuses a trailing signature without a one-pass header as unreadable, where we judge
 * that signature like any other (by an unexpected key: `pgp_unknown_signer`). What the grammar guarded is
 * checked here instead: exactly one literal data packet, one-pass headers paired with their signatures, and
 * every signature judged.
 */
export function readConfig(maxBytes: number): openpgp.Config {
  return {
    ...openpgp.config,
    ...OPENPGP_CONFIG,
    maxDecompressedMessageSize: maxBytes,
    enforceGrammar: false,
  } as openpgp.Config;
}

/** A failure to read: damage (`pgp_corrupted`), unless it is the decompression limit. */
export function readFailure(
  ctx: PgpErrorContext,
  error: unknown,
  maxBytes: number,
  what = 'the message could not be read',
): PgpError {
  if (error instanceof PgpError) return error;
  if (/decompressed message size/i.test((error as Error).message)) return tooLarge(ctx, maxBytes);
  return new PgpError('pgp_corrupted', ctx, `${what}: ${(error as Error).message}`);
}

export async function readOuter(bytes: Uint8Array, ctx: PgpErrorContext, maxBytes: number): Promise<OuterMessage> {
  if (bytes.length === 0) throw new PgpError('pgp_corrupted', ctx, 'the file is empty');
  const armored = looksArmored(bytes);
  let message: openpgp.Message<Uint8Array>;
  try {
    message = (
      armored
        ? await openpgp.readMessage({
            armoredMessage: new TextDecoder('latin1').decode(bytes),
            config: readConfig(maxBytes),
          })
        : await openpgp.readMessage({ binaryMessage: bytes, config: readConfig(maxBytes) })
    ) as openpgp.Message<Uint8Array>;
  } catch (error) {
    throw readFailure(ctx, error, maxBytes, 'not a readable OpenPGP message');
  }
  const has = (tag: openpgp.enums.packet) => message.packets.filterByTag(tag).length > 0;
  if (has(packet.aeadEncryptedData)) {
    throw new PgpError(
      'pgp_feature_not_allowed',
      ctx,
      'AEAD encrypted data (packet 20) is not accepted; expected SEIPD v1 with MDC',
    );
  }
  if (has(packet.symmetricallyEncryptedData)) {
    throw new PgpError(
      'pgp_feature_not_allowed',
      ctx,
      'encrypted data without integrity protection (no MDC) is not accepted',
    );
  }
  const encrypted = has(packet.symEncryptedIntegrityProtectedData);
  const recipients = message.getEncryptionKeyIDs().map((id) => id.toHex().toUpperCase());
  if (encrypted && recipients.length === 0 && has(packet.symEncryptedSessionKey)) {
    throw new PgpError('pgp_not_encrypted_to_us', ctx, 'the message is encrypted with a password, not to a key');
  }
  return { armored, message, encrypted, recipients };
}

export interface InnerSignature {
  keyId: string;
  hash: string;
  created: Date | undefined;
}

export interface InnerMessage {
  /** The literal data packet's bytes as the bank wrote them (text mode CRLF kept). */
  literal: Uint8Array;
  /** One-pass headers' key ids, outermost first. */
  onePass: string[];
  /** Every signature packet over the data, in order. */
  signatures: InnerSignature[];
}

export interface ListedSignature extends InnerSignature {
  /** Settles true, or rejects with openpgp.js's reason, for a key among those given (rejects without one). */
  verified: Promise<true>;
}

/**
 * Every signature packet over the data (trailing ones included), through openpgp.js's `verify`. It can be
 * asked once per message: it consumes the packets behind the literal data.
 */
export async function listSignatures(
  inner: openpgp.Message<Uint8Array>,
  keys: openpgp.PublicKey[],
  date: Date,
  ctx: PgpErrorContext,
  maxBytes: number,
): Promise<ListedSignature[]> {
  let results: Awaited<ReturnType<openpgp.Message<Uint8Array>['verify']>>;
  try {
    results = await inner.verify(keys, date, readConfig(maxBytes));
  } catch (error) {
    throw readFailure(ctx, error, maxBytes);
  }
  const out: ListedSignature[] = [];
  for (const result of results) {
    const packet = (await result.signature.catch(() => undefined))?.packets[0];
    out.push({
      keyId: result.keyID.toHex().toUpperCase(),
      hash:
        packet?.hashAlgorithm == null
          ? 'unknown'
          : (openpgp.enums.read(openpgp.enums.hash, packet.hashAlgorithm) as string),
      created: packet?.created ?? undefined,
      verified: result.verified,
    });
  }
  return out;
}

/**
 * The decrypted packets: one literal data packet, optionally compressed, optionally one-pass signed with its
 * signatures behind it, or signed with the signatures in front. `maxBytes` bounds the plaintext.
 */
export function readInner(
  message: openpgp.Message<Uint8Array>,
  signatures: InnerSignature[],
  ctx: PgpErrorContext,
  maxBytes: number,
): InnerMessage {
  let unwrapped: openpgp.Message<Uint8Array>;
  let literal: Uint8Array | null;
  try {
    unwrapped = message.unwrapCompressed();
    literal = unwrapped.getLiteralData();
  } catch (error) {
    throw readFailure(ctx, error, maxBytes);
  }
  const literals = unwrapped.packets.filterByTag(packet.literalData).length;
  if (!literal || literals !== 1) {
    throw new PgpError('pgp_corrupted', ctx, `expected one literal data packet, found ${literals}`);
  }
  if (literal.length > maxBytes) throw tooLarge(ctx, maxBytes);
  const hasOnePass = unwrapped.packets.filterByTag(packet.onePassSignature).length > 0;
  const onePass = hasOnePass ? unwrapped.getSigningKeyIDs().map((id) => id.toHex().toUpperCase()) : [];
  return { literal, onePass, signatures: signatures.map(({ keyId, hash, created }) => ({ keyId, hash, created })) };
}

function tooLarge(ctx: PgpErrorContext, maxBytes: number): PgpError {
  return new PgpError(
    'pgp_feature_not_allowed',
    ctx,
    `decompression limit: the plaintext would exceed ${maxBytes} bytes (possible compression bomb)`,
  );
}

/**
 * A one-pass header announces a signature: the n-th header from the inside pairs with the n-th signature
 * behind the data (RFC 9580 5.4). A header without its signature, or naming another key than the signature
 * that closes it, is refused: the reader would trust a signer the data does not carry. So is a signature no
 * header announces (gpg calls such data ambiguous): `pgp_unknown_signer` when its key is not the bank's.
 */
export function checkPairing(inner: InnerMessage, ctx: PgpErrorContext, isKnown: (keyId: string) => boolean): void {
  const { onePass, signatures } = inner;
  if (onePass.length === 0) return;
  if (signatures.length < onePass.length) {
    throw new PgpError(
      'pgp_corrupted',
      ctx,
      `${onePass.length} one-pass header(s) but ${signatures.length} signature(s): the message is cut short`,
    );
  }
  const innermostFirst = [...onePass].reverse();
  const unannounced = signatures.slice(onePass.length);
  if (unannounced.length > 0) {
    const stranger = unannounced.find((s) => !isKnown(s.keyId));
    if (stranger) {
      throw new PgpError(
        'pgp_unknown_signer',
        { ...ctx, fingerprint: stranger.keyId },
        'a trailing signature (without a one-pass header) by a key that is not one of the bank keys',
      );
    }
    throw new PgpError(
      'pgp_bad_signature',
      { ...ctx, fingerprint: unannounced[0]!.keyId },
      `${unannounced.length} trailing signature(s) without a one-pass header`,
    );
  }
  innermostFirst.forEach((keyId, i) => {
    const closing = signatures[i]!;
    if (closing.keyId !== keyId) {
      throw new PgpError(
        'pgp_bad_signature',
        { ...ctx, fingerprint: closing.keyId },
        `the one-pass header names key ${keyId} but its signature is by key ${closing.keyId}`,
      );
    }
  });
}
