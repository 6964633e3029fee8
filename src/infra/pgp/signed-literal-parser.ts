/**
 * The byte-level half of reading one-pass signed data (signed-literal.ts has the signature checks): which
 * layout the decrypted packets have, and the literal content and signature packets taken out of them as they
 * stream. No openpgp.js here: the SEIPD worker runs this too, for file-to-file decryption (seipd-file.ts).
 *
 * @example
 *   const heads = readOnePassHeads(first4k);       // undefined: not the plain layout, let openpgp.js read it
 *   const parser = new SignedLiteralParser(heads.length);
 *   for (const content of parser.push(decrypted)) write(content);
 *   write(...parser.end()); parser.signatures;     // each signature packet's body
 */
import { NODE_HASH } from './inner-digest.ts';
import { LiteralContent, PacketSplitter } from './packet-splitter.ts';
import { PACKET } from './packets.ts';
import { concat } from './streams.ts';

/** Signature type 0x00: a signature over binary data (RFC 9580 §5.2.1). */
export const BINARY_SIGNATURE = 0;

export interface OnePass {
  hashAlgorithm: number;
}

/** Parses the one-pass signature packets at the start of `head`; undefined when the layout is not ours. */
export function readOnePassHeads(head: Uint8Array): OnePass[] | undefined {
  const ops: OnePass[] = [];
  const splitter = new PacketSplitter();
  let body: Uint8Array[] = [];
  for (const piece of splitter.push(head)) {
    if (piece.tag === PACKET.LITERAL) return ops;
    if (piece.tag !== PACKET.ONE_PASS_SIGNATURE) return undefined;
    body.push(piece.bytes);
    if (!piece.last) continue;
    const b = concat(body);
    body = [];
    // Version 3 (v4 signatures follow), a binary signature, a hash node:crypto has.
    if (b.length !== 13 || b[0] !== 3 || b[1] !== BINARY_SIGNATURE || !NODE_HASH[b[2]!]) return undefined;
    ops.push({ hashAlgorithm: b[2]! });
  }
  return undefined;
}

/**
 * One-pass signature packets, one literal data packet, signature packets: the content comes out as views of
 * the input, the signature packets' bodies are kept (copied) for `signatures`.
 */
export class SignedLiteralParser {
  private readonly splitter = new PacketSplitter();
  private readonly literal = new LiteralContent();
  private sigParts: Uint8Array[] = [];
  readonly signatures: Uint8Array[] = [];

  /** `onePasses`: how many one-pass headers readOnePassHeads found, as many signatures must follow. */
  constructor(private readonly onePasses: number) {}

  push(chunk: Uint8Array): Uint8Array[] {
    return this.handle(this.splitter.push(chunk));
  }

  /** The last content, after checking the message did not stop inside its literal data or before a signature. */
  end(): Uint8Array[] {
    const out = this.handle(this.splitter.end());
    if (!this.literal.done) throw new Error('the message ends inside its literal data');
    if (this.signatures.length < this.onePasses) throw new Error('the message ends before its signature');
    return out;
  }

  private handle(pieces: ReturnType<PacketSplitter['push']>): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const piece of pieces) {
      if (piece.tag === PACKET.ONE_PASS_SIGNATURE && !this.literal.started) continue;
      if (piece.tag === PACKET.LITERAL && !this.literal.done) {
        const bytes = this.literal.take(piece.bytes, piece.last);
        if (bytes.length > 0) out.push(bytes);
        continue;
      }
      if (piece.tag === PACKET.SIGNATURE && this.literal.done) {
        this.sigParts.push(piece.bytes.slice());
        if (piece.last) {
          this.signatures.push(concat(this.sigParts));
          this.sigParts = [];
        }
        continue;
      }
      throw new Error(`unexpected packet (tag ${piece.tag}) around the literal data`);
    }
    return out;
  }
}
