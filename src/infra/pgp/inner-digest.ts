/**
 * Computes the digest each v4 signature of a one-pass signed message covers, from the decrypted inner
 * packets as they stream: the literal data's content, then the signature's hashed part and trailer (RFC 9580
 * §5.2.4). It runs beside the SEIPD decryption (in its worker thread for large files), so the thread that
 * writes the plaintext does not also hash it. openpgp.js then checks each signature against its digest.
 *
 * It never throws: input it does not understand only leaves that signature without a digest (null), and
 * the reader on the other side reports the broken packets itself.
 *
 * @example
 *   const d = new InnerDigester();
 *   d.push(decrypted); const digests = d.end(); // one per signature packet, in order
 */
import { createHash, type Hash } from 'node:crypto';
import { LiteralContent, PacketSplitter } from './packet-splitter.ts';
import { PACKET } from './packets.ts';

/** OpenPGP hash algorithm ids (RFC 9580 §9.5) and their node:crypto names. */
export const NODE_HASH: Partial<Record<number, string>> = {
  2: 'sha1',
  8: 'sha256',
  9: 'sha384',
  10: 'sha512',
  11: 'sha224',
  12: 'sha3-256',
  14: 'sha3-512',
};

const SHA256 = 8;

/** RFC 9580 §5.2.4: a v4 signature's hash ends with its hashed part and this trailer. */
export function v4Trailer(hashedLength: number): Uint8Array {
  const t = new Uint8Array(6);
  t[0] = 4;
  t[1] = 0xff;
  new DataView(t.buffer).setUint32(2, hashedLength);
  return t;
}

/** The hashed part of a v4 signature packet body (version to the end of the hashed subpackets). */
export function v4HashedPart(body: Uint8Array): Uint8Array | undefined {
  if (body[0] !== 4 || body.length < 6) return undefined;
  const end = 6 + ((body[4]! << 8) | body[5]!);
  return end <= body.length ? body.subarray(0, end) : undefined;
}

export class InnerDigester {
  private readonly splitter = new PacketSplitter();
  private readonly hashes = new Map<number, Hash>();
  private opsBody: Uint8Array[] = [];
  private sigBody: Uint8Array[] = [];
  private readonly literal = new LiteralContent();
  private broken = false;
  private readonly digests: (Uint8Array | null)[] = [];
  /** SHA-256 of the literal content, unless a one-pass header's own SHA-256 hash already covers it. */
  private content: Hash | undefined;

  push(bytes: Uint8Array): void {
    if (this.broken) return;
    try {
      for (const piece of this.splitter.push(bytes)) this.piece(piece.tag, piece.bytes, piece.last);
    } catch {
      this.broken = true;
    }
  }

  /**
   * The digest of each signature packet, in order, and the SHA-256 of the literal content (what the reader
   * hands out as plaintext); no content digest when the packets did not parse.
   */
  end(): { digests: (Uint8Array | null)[]; contentSha256?: string } {
    if (!this.broken) {
      try {
        for (const piece of this.splitter.end()) this.piece(piece.tag, piece.bytes, piece.last);
      } catch {
        this.broken = true;
      }
    }
    const content = this.hashes.get(SHA256) ?? this.content;
    if (this.broken || !this.literal.done || !content) return { digests: this.digests };
    return { digests: this.digests, contentSha256: content.copy().digest('hex') };
  }

  private piece(tag: number, bytes: Uint8Array, last: boolean) {
    if (tag === PACKET.ONE_PASS_SIGNATURE) {
      this.opsBody.push(bytes);
      if (!last) return;
      const body = Buffer.concat(this.opsBody);
      this.opsBody = [];
      const name = NODE_HASH[body[2]!];
      if (body[0] === 3 && name && !this.hashes.has(body[2]!)) this.hashes.set(body[2]!, createHash(name));
      return;
    }
    if (tag === PACKET.LITERAL) {
      if (!this.hashes.has(SHA256)) this.content ??= createHash('sha256');
      const content = this.literal.take(bytes, last);
      if (content.length > 0) {
        for (const h of this.hashes.values()) h.update(content);
        this.content?.update(content);
      }
      return;
    }
    if (tag === PACKET.SIGNATURE) {
      this.sigBody.push(bytes.slice());
      if (!last) return;
      this.digests.push(this.digestFor(Buffer.concat(this.sigBody)));
      this.sigBody = [];
    }
  }

  private digestFor(body: Uint8Array): Uint8Array | null {
    const hashed = v4HashedPart(body);
    const hash = this.hashes.get(body[3]!);
    if (!hashed || !hash) return null;
    const h = hash.copy();
    h.update(hashed);
    h.update(v4Trailer(hashed.length));
    return new Uint8Array(h.digest());
  }
}
