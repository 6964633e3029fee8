/**
 * The SEIPD v1 packet (RFC 4880 §5.13, RFC 9580 §5.13.1: AES in CFB mode with a zero IV, an 18-byte random
 * prefix and a SHA-1 modification detection code) on node:crypto, as push/end transforms that can run in a
 * worker thread. openpgp.js keeps everything else: keys, session-key packets, signatures, literal data.
 *
 * Why not openpgp.js's own: it decrypts CFB through OpenSSL's serial CFB (about 460 MB/s here), and a
 * message's hashing, cipher and packet work all share one thread, which caps the engine far below the gpg
 * CLI. CFB decryption is parallel by construction (P[i] = C[i] xor E(C[i-1])), so decryption runs as one
 * AES-ECB pass over the shifted ciphertext (AES-NI pipelines it) and an XOR. Encryption stays OpenSSL's CFB.
 *
 * What is written is what openpgp.js and GnuPG write: version 1, prefix with its two repeated bytes, the MDC
 * packet (0xD3 0x14 + SHA-1) last; the packet is framed with 1 MiB partial body lengths and a final definite
 * length. What is read is checked strictly: the MDC packet header and hash (constant-time), a body long enough
 * to hold prefix and MDC. The prefix's repeated bytes are not checked: that check is a known decryption oracle
 * (RFC 9580 §5.13.2), and the MDC covers them anyway.
 *
 * @example
 *   const enc = new SeipdEncryptor('aes256', sessionKey);
 *   const packet = [...enc.push(innerPackets), ...enc.end()]; // tag 18 packet, header included
 *   const dec = new SeipdDecryptor('aes256', sessionKey);
 *   const inner = [...dec.push(body), ...dec.end()];         // body = the packet's body, framing removed
 */
import { type Cipher, createCipheriv, createHash, type Hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DataAfterPacketError, PacketSplitter } from './packet-splitter.ts';
import { concat } from './streams.ts';

export type SeipdCipher = 'aes128' | 'aes192' | 'aes256';

const KEY_BYTES: Record<SeipdCipher, number> = { aes128: 16, aes192: 24, aes256: 32 };
const BLOCK = 16;
const PREFIX = BLOCK + 2;
const MDC_HEADER = [0xd3, 0x14] as const;
const MDC = 2 + 20;
/** Partial body chunk size written: 2^20 bytes. */
const PARTIAL_POWER = 20;
const PARTIAL = 1 << PARTIAL_POWER;
export const SEIPD_TAG = 18;

let cfb: boolean | undefined;

/** Whether this runtime's node:crypto has AES in CFB mode, which encryption needs (Deno 2's has not). */
export function canEncryptSeipd(): boolean {
  if (cfb === undefined) {
    try {
      createCipheriv('aes-256-cfb', Buffer.alloc(32), Buffer.alloc(BLOCK)).update(Buffer.alloc(BLOCK));
      cfb = true;
    } catch {
      cfb = false;
    }
  }
  return cfb;
}

export function isSeipdCipher(algorithm: string): algorithm is SeipdCipher {
  return Object.hasOwn(KEY_BYTES, algorithm);
}

function checkKey(algorithm: SeipdCipher, key: Uint8Array) {
  if (key.length !== KEY_BYTES[algorithm]) {
    throw new Error(`session key is ${key.length} bytes, ${algorithm} needs ${KEY_BYTES[algorithm]}`);
  }
}

/** A definite body length in the OpenPGP new format (1, 2 or 5 octets). */
export function definiteLength(length: number): Uint8Array {
  if (length < 192) return Uint8Array.of(length);
  if (length < 8384) return Uint8Array.of(((length - 192) >> 8) + 192, (length - 192) & 0xff);
  return Uint8Array.of(0xff, (length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
}

/**
 * Frames a packet body as it streams: 1 MiB partial chunks while more may follow, a definite length at the
 * end. Chunks are handed on as views; a buffer is never both handed on and kept.
 */
export class PacketFramer {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private started = false;

  constructor(private readonly tag: number) {}

  push(body: Uint8Array, out: Uint8Array[]): void {
    if (body.length === 0) return;
    this.pending.push(body);
    this.pendingBytes += body.length;
    // Strictly more than one chunk: the last bytes must go out under a definite length.
    while (this.pendingBytes > PARTIAL) {
      this.header(out);
      out.push(Uint8Array.of(0xe0 + PARTIAL_POWER));
      this.take(PARTIAL, out);
    }
  }

  end(out: Uint8Array[]): void {
    this.header(out);
    out.push(definiteLength(this.pendingBytes));
    this.take(this.pendingBytes, out);
  }

  private header(out: Uint8Array[]) {
    if (this.started) return;
    this.started = true;
    out.push(Uint8Array.of(0xc0 | this.tag));
  }

  private take(bytes: number, out: Uint8Array[]) {
    let left = bytes;
    while (left > 0) {
      const head = this.pending[0]!;
      if (head.length <= left) {
        out.push(head);
        this.pending.shift();
        left -= head.length;
      } else {
        out.push(head.subarray(0, left));
        // The rest is copied, not kept as a view: what went out may be handed to another thread whole.
        this.pending[0] = copy(head.subarray(left));
        left = 0;
      }
    }
    this.pendingBytes -= bytes;
  }
}

/** Inner packets in, a complete SEIPD v1 packet (header, version, ciphertext) out. */
export class SeipdEncryptor {
  private readonly cipher: Cipher;
  private readonly mdc: Hash = createHash('sha1');
  private readonly framer = new PacketFramer(SEIPD_TAG);
  private first = true;

  constructor(algorithm: SeipdCipher, key: Uint8Array) {
    checkKey(algorithm, key);
    this.cipher = createCipheriv(`${algorithm.replace('aes', 'aes-')}-cfb`, key, Buffer.alloc(BLOCK));
  }

  push(plaintext: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.first) {
      this.first = false;
      const prefix = Buffer.allocUnsafe(PREFIX);
      randomBytes(BLOCK).copy(prefix);
      prefix[BLOCK] = prefix[BLOCK - 2]!;
      prefix[BLOCK + 1] = prefix[BLOCK - 1]!;
      this.framer.push(Uint8Array.of(1), out);
      this.encrypt(prefix, out);
    }
    this.encrypt(plaintext, out);
    return out;
  }

  end(): Uint8Array[] {
    const out = this.push(new Uint8Array(0));
    const header = Uint8Array.from(MDC_HEADER);
    this.mdc.update(header);
    const tail = Buffer.concat([header, this.mdc.digest()]);
    this.framer.push(this.cipher.update(tail), out);
    this.framer.push(this.cipher.final(), out);
    this.framer.end(out);
    return out;
  }

  private encrypt(plaintext: Uint8Array, out: Uint8Array[]) {
    if (plaintext.length === 0) return;
    this.mdc.update(plaintext);
    this.framer.push(this.cipher.update(plaintext), out);
  }
}

/** The SEIPD packet's body (framing removed, version octet first) in, the inner packets out. */
export class SeipdDecryptor {
  private readonly ecb: Cipher;
  private readonly mdc: Hash = createHash('sha1');
  /** The ciphertext block before the next one: the zero IV at first. */
  private previous = new Uint8Array(BLOCK);
  /** Ciphertext bytes short of a whole block. */
  private carry: Uint8Array = new Uint8Array(0);
  private versionSeen = false;
  private prefixLeft = PREFIX;
  /** Reused for every chunk: [previous block | ciphertext]; a new buffer per chunk would pile up as garbage. */
  private scratch = new Uint8Array(0);
  /** Decrypted bytes that may still turn out to be the MDC packet: the last 22 are held back. */
  private held: Uint8Array = new Uint8Array(0);

  constructor(algorithm: SeipdCipher, key: Uint8Array) {
    checkKey(algorithm, key);
    this.ecb = createCipheriv(`${algorithm.replace('aes', 'aes-')}-ecb`, key, null);
    this.ecb.setAutoPadding(false);
  }

  push(body: Uint8Array): Uint8Array[] {
    let input = body;
    if (!this.versionSeen && input.length > 0) {
      if (input[0] !== 1) throw new Error(`SEIPD version ${input[0]} is not supported (expected 1)`);
      this.versionSeen = true;
      input = input.subarray(1);
    }
    const total = this.carry.length + input.length;
    const whole = total - (total % BLOCK);
    if (whole === 0) {
      this.carry = concat([this.carry, input]);
      return [];
    }
    // [previous block | whole blocks of ciphertext]: encrypting all but the last block gives the keystream.
    if (this.scratch.length < BLOCK + whole) this.scratch = new Uint8Array(BLOCK + whole);
    const shifted = this.scratch.subarray(0, BLOCK + whole);
    shifted.set(this.previous, 0);
    shifted.set(this.carry, BLOCK);
    shifted.set(input.subarray(0, whole - this.carry.length), BLOCK + this.carry.length);
    const keystream = plainBytes(this.ecb.update(shifted.subarray(0, whole)));
    xorInto(keystream, shifted.subarray(BLOCK));
    this.previous = shifted.slice(whole, whole + BLOCK);
    this.carry = copy(input.subarray(whole - this.carry.length));
    return this.release(keystream);
  }

  end(): Uint8Array[] {
    if (!this.versionSeen) throw new Error('the encrypted packet is empty');
    const out: Uint8Array[] = [];
    if (this.carry.length > 0) {
      const last = plainBytes(this.ecb.update(this.previous)).subarray(0, this.carry.length);
      xorInto(last, this.carry);
      out.push(...this.release(last));
      this.carry = new Uint8Array(0);
    }
    this.ecb.final();
    if (this.prefixLeft > 0 || this.held.length !== MDC) {
      throw new Error('the encrypted packet is too short to hold its prefix and modification detection code');
    }
    const held = this.held;
    this.mdc.update(held.subarray(0, 2));
    const digest = this.mdc.digest();
    const headerOk = held[0] === MDC_HEADER[0] && held[1] === MDC_HEADER[1];
    if (!timingSafeEqual(digest, held.subarray(2)) || !headerOk) {
      throw new Error('Modification detected: the message was altered or is damaged');
    }
    return out;
  }

  /** Hashes and hands on decrypted bytes, minus the prefix and the last 22 (possible MDC) bytes. */
  private release(plain: Uint8Array): Uint8Array[] {
    let data = plain;
    if (this.prefixLeft > 0) {
      const n = Math.min(this.prefixLeft, data.length);
      this.mdc.update(data.subarray(0, n));
      this.prefixLeft -= n;
      data = data.subarray(n);
    }
    if (data.length === 0) return [];
    const out: Uint8Array[] = [];
    if (data.length >= MDC) {
      // The common case: everything held before goes out, the new chunk's last 22 bytes are held.
      if (this.held.length > 0) out.push(this.held);
      out.push(data.subarray(0, data.length - MDC));
      this.held = copy(data.subarray(data.length - MDC));
    } else {
      const joined = concat([this.held, data]);
      if (joined.length > MDC) out.push(joined.subarray(0, joined.length - MDC));
      this.held = copy(joined.subarray(Math.max(0, joined.length - MDC)));
    }
    for (const piece of out) this.mdc.update(piece);
    return out.filter((piece) => piece.length > 0);
  }
}

/** The same memory as a plain Uint8Array: what leaves here compares equal to what openpgp.js returns. */
function plainBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}

/** A copy: Buffer#slice (input is often a Buffer) would return a view into the caller's memory. */
function copy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/**
 * target ^= source. Eight bytes at a time where both are 8-byte aligned (the bulk case: V8 keeps
 * BigUint64Array elements unboxed in optimized code, about 3x the speed of a Uint32Array loop); bytewise for
 * the rest.
 */
export function xorInto(target: Uint8Array, source: Uint8Array): void {
  const n = target.length;
  let done = 0;
  if (n >= 32 && target.byteOffset % 8 === 0 && source.byteOffset % 8 === 0) {
    const words = (n >>> 5) << 2;
    xorWords(
      new BigUint64Array(target.buffer, target.byteOffset, words),
      new BigUint64Array(source.buffer, source.byteOffset, words),
    );
    done = words << 3;
  }
  xorBytes(target, source, done, n);
}

/** Whole groups of four words, nothing after the loop: see warm-up below. */
function xorWords(t: BigUint64Array, s: BigUint64Array): void {
  const words = t.length;
  for (let w = 0; w < words; w += 4) {
    t[w]! ^= s[w]!;
    t[w + 1]! ^= s[w + 1]!;
    t[w + 2]! ^= s[w + 2]!;
    t[w + 3]! ^= s[w + 3]!;
  }
}

function xorBytes(target: Uint8Array, source: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; i++) target[i]! ^= source[i]!;
}

// Why a warm-up: the first large call is compiled mid-loop (on-stack replacement) before any code after the
// loop has run, and in Node 20 that compiled loop then bailed out at its exit on every later call, leaving the
// worker's XOR in the interpreter, boxing a BigInt per word (about 6x slower). Small calls first give every
// branch its type feedback.
for (let i = 0; i < 3; i++) {
  xorInto(new Uint8Array(72), Buffer.alloc(72));
  xorInto(new Uint8Array(40).subarray(1), new Uint8Array(40));
}

/**
 * Removes a packet's length framing (definite, or partial chunks ending in a definite length) from its body
 * as it streams, and refuses anything after the packet: a SEIPD packet is the last one of a message.
 */
export class PacketBodyReader {
  private readonly splitter: PacketSplitter;

  /** `first`: the first chunk's length and whether it was partial, as the packet header said. */
  constructor(first: { length: number; partial: boolean }) {
    this.splitter = new PacketSplitter({ tag: SEIPD_TAG, ...first });
  }

  push(data: Uint8Array): Uint8Array[] {
    try {
      return this.splitter.push(data).flatMap((piece) => (piece.bytes.length > 0 ? [piece.bytes] : []));
    } catch (error) {
      if (error instanceof DataAfterPacketError) throw new Error('unexpected data after the encrypted packet');
      throw error;
    }
  }

  end(): void {
    try {
      this.splitter.end();
    } catch {
      throw new Error('the message ends inside the encrypted packet (truncated)');
    }
  }
}
