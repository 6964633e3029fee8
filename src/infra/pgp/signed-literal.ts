/**
 * The signed content inside an encrypted message, written and read as a stream with node:crypto hashing:
 * one-pass signature packet, literal data packet, signature packet (RFC 9580 §5.4, §5.9, §5.2; what
 * `gpg --sign` and openpgp.js write). openpgp.js still builds, parses and checks the signature packets (its
 * SignaturePacket does every date, key and subpacket check); what moves here is the per-byte work, which in
 * openpgp.js runs through its web-stream machinery at about half the speed of the hash alone.
 *
 * Only the plain case is handled: v4 signatures over binary data, uncompressed, with an RSA or Ed25519 key.
 * Anything else (compressed data, text signatures, v6 signatures, other key types) is left to openpgp.js:
 * `fastSigner` returns undefined, `readSignedLiteral` reports `fallback` before it consumed anything.
 *
 * @example
 *   const signer = await fastSigner(privateKey, now);       // undefined: let openpgp.js sign
 *   for await (const bytes of signedLiteral(data, signer, 'PAY.txt', now)) seipd.push(bytes);
 */
import { createHash, type Hash } from 'node:crypto';
import * as openpgp from 'openpgp';
import { OPENPGP_CONFIG } from './config.ts';
import { NODE_HASH, v4Trailer } from './inner-digest.ts';
import type { KeyEntry, PrivateKeyEntry } from './keyring.ts';
import { canSignNatively, nativeSign } from './native-sign.ts';
import { PACKET } from './packets.ts';
import { definiteLength, PacketFramer } from './seipd.ts';
import { BINARY_SIGNATURE as BINARY, readOnePassHeads, SignedLiteralParser } from './signed-literal-parser.ts';
import { concat } from './streams.ts';

const { enums } = openpgp;
/** getSigningKey wants a whole configuration, as openpgp.sign and verify build from their partial one. */
const CONFIG: openpgp.Config = { ...openpgp.config, ...OPENPGP_CONFIG } as openpgp.Config;

/** The parts of openpgp.js's SignaturePacket used here, beyond its typings. */
interface SignaturePacketFields {
  version: number;
  signatureType: number;
  hashAlgorithm: number;
  publicKeyAlgorithm: number;
  created: Date | null;
  issuerKeyVersion: number;
  issuerFingerprint: Uint8Array | null;
  issuerKeyID: openpgp.KeyID;
  signatureData: Uint8Array;
  signedHashValue: Uint8Array;
  params: Record<string, Uint8Array>;
  /** A digest computed elsewhere; verify() uses it instead of hashing data itself (its one-pass path). */
  hashed?: Uint8Array;
  writeHashedSubPackets(): Uint8Array;
  write(): Uint8Array;
  verify(
    key: unknown,
    signatureType: number,
    data: unknown,
    date: Date,
    detached: boolean,
    config: openpgp.PartialConfig,
  ): Promise<void>;
}

interface KeyPacket {
  version: number;
  algorithm: number;
  getKeyID(): openpgp.KeyID;
  getFingerprintBytes(): Uint8Array;
}

export interface FastSigner {
  packet: KeyPacket;
  hashAlgorithm: number;
}

/** The key and hash to sign with, or undefined when openpgp.js must sign (key type not covered here). */
export async function fastSigner(key: PrivateKeyEntry['unlocked'], date: Date): Promise<FastSigner | undefined> {
  const signing = await key.getSigningKey(undefined, date, undefined, CONFIG);
  const packet = signing.keyPacket as unknown as KeyPacket;
  if (packet.version !== 4 || !canSignNatively(packet)) return undefined;
  const rsa = packet.algorithm === enums.publicKey.rsaEncryptSign || packet.algorithm === enums.publicKey.rsaSign;
  // What openpgp.js picks for these keys: the configured SHA-256 for RSA, SHA-512 (the curve's) for Ed25519.
  return { packet, hashAlgorithm: rsa ? enums.hash.sha256 : enums.hash.sha512 };
}

function header(tag: number, body: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(0xc0 | tag), definiteLength(body.length), body]);
}

function literalHeader(filename: string, date: Date): Uint8Array | undefined {
  const name = new TextEncoder().encode(filename);
  if (name.length > 255) return undefined;
  const h = new Uint8Array(2 + name.length + 4);
  h[0] = 0x62; // 'b': binary
  h[1] = name.length;
  h.set(name, 2);
  new DataView(h.buffer).setUint32(2 + name.length, Math.floor(date.getTime() / 1000));
  return h;
}

async function signaturePacket(signer: FastSigner, hash: Hash, created: Date): Promise<Uint8Array> {
  const sig = new openpgp.SignaturePacket() as unknown as SignaturePacketFields;
  const { packet } = signer;
  sig.version = 4;
  sig.signatureType = BINARY;
  sig.publicKeyAlgorithm = packet.algorithm;
  sig.hashAlgorithm = signer.hashAlgorithm;
  sig.created = created;
  sig.issuerKeyVersion = packet.version;
  sig.issuerFingerprint = packet.getFingerprintBytes();
  sig.issuerKeyID = packet.getKeyID();
  sig.signatureData = concat([
    Uint8Array.of(4, BINARY, packet.algorithm, signer.hashAlgorithm),
    sig.writeHashedSubPackets(),
  ]);
  hash.update(sig.signatureData);
  hash.update(v4Trailer(sig.signatureData.length));
  const digest = new Uint8Array(hash.digest());
  const params = nativeSign(packet, NODE_HASH[signer.hashAlgorithm]!, digest);
  if (!params) throw new Error('the signing key cannot sign natively');
  sig.signedHashValue = digest.subarray(0, 2);
  sig.params = params;
  // Checked by openpgp.js before it leaves: a signature the bank would reject must never be sent.
  sig.hashed = digest;
  await sig.verify(packet, BINARY, undefined, created, false, CONFIG);
  return header(PACKET.SIGNATURE, sig.write());
}

/**
 * One-pass signature, literal data (framed in 1 MiB partial lengths), signature: the signed message for
 * `data`. Undefined when the file name does not fit a literal packet (more than 255 bytes).
 */
export function signedLiteral(
  data: AsyncIterable<Uint8Array>,
  signer: FastSigner,
  filename: string,
  date: Date,
): AsyncIterable<Uint8Array> | undefined {
  const created = new Date(Math.floor(date.getTime() / 1000) * 1000);
  const literal = literalHeader(filename, created);
  if (!literal) return undefined;
  return (async function* () {
    const keyId = (signer.packet.getKeyID() as unknown as { write(): Uint8Array }).write();
    const ops = concat([
      Uint8Array.of(3, BINARY, signer.hashAlgorithm, signer.packet.algorithm),
      keyId,
      Uint8Array.of(1),
    ]);
    yield header(PACKET.ONE_PASS_SIGNATURE, ops);
    const hash = createHash(NODE_HASH[signer.hashAlgorithm]!);
    const framer = new PacketFramer(PACKET.LITERAL);
    const out: Uint8Array[] = [];
    framer.push(literal, out);
    for await (const chunk of data) {
      hash.update(chunk);
      framer.push(chunk, out);
      if (out.length > 0) {
        yield* out;
        out.length = 0;
      }
    }
    framer.end(out);
    yield* out;
    yield await signaturePacket(signer, hash, created);
  })();
}

export interface RawVerification {
  keyId: string;
  status: 'good' | 'bad' | 'no_key';
  detail?: string;
}

export type SignedLiteralRead =
  | { fallback: true }
  | {
      fallback: false;
      /** The literal data's content; throws when the packets around it are broken. */
      data: AsyncIterable<Uint8Array>;
      /** After `data` ended: each signature packet and how it verified. */
      finish(): Promise<RawVerification[]>;
    };

async function verifyOne(
  sig: SignaturePacketFields,
  digest: Uint8Array | null | undefined,
  keys: KeyEntry[],
  now: Date,
): Promise<RawVerification> {
  const keyId = sig.issuerKeyID.toHex().toUpperCase();
  let primary: openpgp.Key | undefined;
  let signing: ReturnType<openpgp.Key['getKeys']>[number] | undefined;
  for (const entry of keys) {
    const found = entry.key.getKeys(sig.issuerKeyID);
    if (found.length > 0) {
      primary = entry.key;
      signing = found[0];
      break;
    }
  }
  if (!primary || !signing) {
    return { keyId, status: 'no_key', detail: `Could not find signing key with key ID ${keyId.toLowerCase()}` };
  }
  try {
    if (sig.version !== 4) throw new Error(`version ${sig.version} signatures are not read on this path`);
    if (sig.signatureType !== BINARY || !digest) throw new Error('the signature does not match its one-pass header');
    sig.hashed = digest;
    // The checks openpgp.verify makes for a one-pass signature (openpgp.js createVerificationObject).
    await sig.verify(signing.keyPacket, sig.signatureType, undefined, now, false, CONFIG);
    if (signing.getCreationTime() > (sig.created ?? new Date(0))) throw new Error('Key is newer than the signature');
    await primary.getSigningKey(signing.getKeyID(), sig.created, undefined, CONFIG);
    return { keyId, status: 'good' };
  } catch (error) {
    return { keyId, status: 'bad', detail: (error as Error).message };
  }
}

/**
 * Checks each signature packet (its body, as SignedLiteralParser kept it) against the digest of what it
 * covers (InnerDigester, in order), with openpgp.js's SignaturePacket and the bank's keys.
 */
export async function verifySignatures(
  signatures: Uint8Array[],
  digests: (Uint8Array | null)[],
  verificationKeys: KeyEntry[],
  now: Date,
): Promise<RawVerification[]> {
  const out: RawVerification[] = [];
  for (const [i, bytes] of signatures.entries()) {
    let sig: SignaturePacketFields;
    try {
      const parsed = await openpgp.readSignature({ binarySignature: header(PACKET.SIGNATURE, bytes) });
      sig = parsed.packets[0] as unknown as SignaturePacketFields;
    } catch (error) {
      out.push({ keyId: '0000000000000000', status: 'bad', detail: (error as Error).message });
      continue;
    }
    out.push(await verifyOne(sig, digests[i], verificationKeys, now));
  }
  return out;
}

/**
 * Reads one-pass signatures, literal data and signatures from a decrypted message's inner packets. `head`
 * must be the first bytes of `source` (which replays them); `digests` gives, once `source` has ended, what
 * each signature packet covers, in order (InnerDigester, run beside the decryption).
 */
export function readSignedLiteral(
  head: Uint8Array,
  source: AsyncIterable<Uint8Array>,
  digests: () => (Uint8Array | null)[] | undefined,
  verificationKeys: KeyEntry[],
  now: Date,
): SignedLiteralRead {
  const heads = readOnePassHeads(head);
  if (!heads) return { fallback: true };
  const parser = new SignedLiteralParser(heads.length);
  let finished = false;

  async function* data(): AsyncIterable<Uint8Array> {
    for await (const chunk of source) yield* parser.push(chunk);
    yield* parser.end();
    finished = true;
  }

  return {
    fallback: false,
    data: data(),
    async finish() {
      if (!finished) throw new Error('finish() before the data was read');
      return verifySignatures(parser.signatures, digests() ?? [], verificationKeys, now);
    },
  };
}
