/**
 * Signs a precomputed OpenPGP digest with node:crypto (OpenSSL), for the key types banks and we use: RSA
 * (PKCS#1 v1.5) and Ed25519 (legacy EdDSA and RFC 9580 Ed25519). Why not openpgp.js: given a stream it signs
 * with its own JavaScript big-integer RSA, about 60 ms per signature for RSA-3072, where OpenSSL takes 2 ms;
 * and it can only sign data it hashes itself, through its slower stream machinery.
 *
 * Returns the signature's algorithm-specific fields in the shape openpgp.js's SignaturePacket writes, or
 * undefined for a key type this module does not cover (the caller then lets openpgp.js sign).
 *
 * @example
 *   const params = nativeSign(signingKeyPacket, 'sha256', digest); // { s } for RSA, { r, s } / { RS } for Ed25519
 */
import { constants, createPrivateKey, type KeyObject, privateEncrypt, sign } from 'node:crypto';
import * as openpgp from 'openpgp';

/** DER DigestInfo prefixes (RFC 8017 §9.2 note 1) for the hashes an RSA signature here may use. */
const DIGEST_INFO: Record<string, Buffer> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

type Params = Record<string, Uint8Array>;
interface KeyPacketParams {
  algorithm: number;
  publicParams: Params;
  privateParams?: Params;
}

const cache = new WeakMap<object, KeyObject | null>();
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const toBig = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
function fromBig(value: bigint): Uint8Array {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
}

function rsaKey({ publicParams: pub, privateParams: priv }: KeyPacketParams): KeyObject {
  const { n, e } = pub as { n: Uint8Array; e: Uint8Array };
  const { d, p, q, u } = priv as { d: Uint8Array; p: Uint8Array; q: Uint8Array; u: Uint8Array };
  const dBig = toBig(d);
  // OpenPGP stores u = p^-1 mod q; JWK wants qi = q^-1 mod p: the same number with p and q swapped.
  return createPrivateKey({
    format: 'jwk',
    key: {
      kty: 'RSA',
      n: b64(n),
      e: b64(e),
      d: b64(d),
      p: b64(q),
      q: b64(p),
      dp: b64(fromBig(dBig % (toBig(q) - 1n))),
      dq: b64(fromBig(dBig % (toBig(p) - 1n))),
      qi: b64(u),
    },
  });
}

function ed25519Key(seed: Uint8Array, publicKey: Uint8Array): KeyObject {
  return createPrivateKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', d: b64(seed), x: b64(publicKey) } });
}

const LEGACY_ED25519_OID = '2b06010401da470f01';

function keyObject(packet: KeyPacketParams): KeyObject | null {
  const { algorithm, publicParams, privateParams } = packet;
  if (!privateParams) return null;
  const { publicKey: alg } = openpgp.enums;
  if (algorithm === alg.rsaEncryptSign || algorithm === alg.rsaSign) return rsaKey(packet);
  if (algorithm === alg.eddsaLegacy) {
    const oid = publicParams.oid as unknown as { toHex(): string };
    if (oid.toHex() !== LEGACY_ED25519_OID) return null;
    // Q is the native point prefixed with 0x40.
    return ed25519Key(privateParams.seed!, publicParams.Q!.subarray(1));
  }
  if (algorithm === alg.ed25519) return ed25519Key(privateParams.seed!, publicParams.A!);
  return null;
}

/** Whether nativeSign can sign with this (unlocked) key packet. */
export function canSignNatively(packet: object): boolean {
  return signingKeyObject(packet) !== null;
}

function signingKeyObject(packet: object): KeyObject | null {
  let key = cache.get(packet);
  if (key === undefined) {
    try {
      key = keyObject(packet as KeyPacketParams);
    } catch {
      key = null;
    }
    cache.set(packet, key);
  }
  return key;
}

export function nativeSign(packet: object, hash: string, digest: Uint8Array): Params | undefined {
  const key = signingKeyObject(packet);
  if (!key) return undefined;
  const { algorithm } = packet as KeyPacketParams;
  const { publicKey: alg } = openpgp.enums;
  if (algorithm === alg.rsaEncryptSign || algorithm === alg.rsaSign) {
    const prefix = DIGEST_INFO[hash];
    if (!prefix) return undefined;
    // PKCS#1 v1.5 signing is the private-key operation with block type 1 padding over DigestInfo || digest.
    const s = privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([prefix, digest]));
    return { s: new Uint8Array(s) };
  }
  const signature = new Uint8Array(sign(null, digest, key));
  if (algorithm === alg.eddsaLegacy) return { r: signature.subarray(0, 32), s: signature.subarray(32) };
  return { RS: signature };
}
