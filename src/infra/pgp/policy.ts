/**
 * What we accept from a bank, as data both engines are judged by (docs/pgp.md): session key ciphers, signature
 * hashes and the clock skew allowed on a signature's creation time. Names are openpgp.js's (`aes256`, `sha1`).
 */
import * as openpgp from 'openpgp';

/** Decrypted whatever our key's preferences say (a receiver decrypts what it can). */
const STRONG_CIPHERS = new Set(['aes128', 'aes192', 'aes256', 'camellia128', 'camellia192', 'camellia256']);
/** Only where the bank's `pgp.allow_legacy_ciphers` is set, with a warning per file. */
const LEGACY_CIPHERS = new Set(['tripledes', 'cast5']);

const WEAK_HASHES = new Set(['md5', 'sha1', 'ripemd']);
const STRONG_HASHES = new Set(['sha224', 'sha256', 'sha384', 'sha512', 'sha3_256', 'sha3_512']);

export type CipherVerdict = 'ok' | 'legacy' | 'refused';

export function cipherVerdict(cipher: string, allowLegacy: boolean): CipherVerdict {
  if (STRONG_CIPHERS.has(cipher)) return 'ok';
  if (LEGACY_CIPHERS.has(cipher)) return allowLegacy ? 'legacy' : 'refused';
  return 'refused';
}

export type HashVerdict = 'ok' | 'weak' | 'unknown';

export function hashVerdict(hash: string): HashVerdict {
  if (STRONG_HASHES.has(hash)) return 'ok';
  if (WEAK_HASHES.has(hash)) return 'weak';
  return 'unknown';
}

/** The openpgp.js name of an RFC 4880/9580 algorithm number (`9` -> `aes256`), `unknown-<n>` otherwise. */
export function cipherName(id: number): string {
  return nameOf(openpgp.enums.symmetric as unknown as Record<string, number>, id) ?? camellia(id) ?? `unknown-${id}`;
}

export function hashName(id: number): string {
  return nameOf(openpgp.enums.hash as unknown as Record<string, number>, id) ?? `unknown-${id}`;
}

function nameOf(table: Record<string, number>, id: number): string | undefined {
  return Object.entries(table).find(([, v]) => v === id)?.[0];
}

/** Camellia (11-13) is not in openpgp.js's table; GnuPG has it. */
function camellia(id: number): string | undefined {
  return { 11: 'camellia128', 12: 'camellia192', 13: 'camellia256' }[id];
}

export const DEFAULT_CLOCK_SKEW_SECONDS = 600;
