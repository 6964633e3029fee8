/**
 * Splits a stream of OpenPGP packets (RFC 9580 §4.2: old and new format headers; definite, partial and
 * indeterminate lengths) into body pieces as bytes arrive, without holding a packet in memory: a literal
 * data packet of a gigabyte passes as views of the chunks it came in. Used on the inside of a decrypted
 * SEIPD packet, where one-pass signature, literal data and signature packets follow each other.
 *
 * @example
 *   const splitter = new PacketSplitter();
 *   for (const piece of splitter.push(chunk)) handle(piece); // { tag: 11, first: true, bytes, last: false }
 *   splitter.end(); // throws when the stream stopped inside a packet
 */
import { readNewLength } from './seipd.ts';

export interface PacketPiece {
  tag: number;
  /** The piece starts the packet's body. */
  first: boolean;
  /** The piece ends the packet's body. */
  last: boolean;
  /** A view of the input chunk: copy it before keeping it past the next push. */
  bytes: Uint8Array;
}

const EMPTY = new Uint8Array(0);

type State =
  | { kind: 'header'; octets: number[] }
  | { kind: 'chunk-length'; octets: number[] }
  | { kind: 'body'; left: number; partial: boolean; indeterminate: boolean; first: boolean };

interface Header {
  tag: number;
  length: number;
  partial: boolean;
  indeterminate: boolean;
}

/** A complete packet header from its octets; undefined while more are needed. */
function readHeader(octets: number[]): Header | undefined {
  const first = octets[0]!;
  if ((first & 0x80) === 0) throw new Error(`not an OpenPGP packet header (octet 0x${first.toString(16)})`);
  if (first & 0x40) {
    const length = readNewLength(octets.slice(1));
    if (!length) return undefined;
    return { tag: first & 0x3f, length: length.length, partial: length.partial, indeterminate: false };
  }
  const tag = (first >> 2) & 0x0f;
  const size = [1, 2, 4, 0][first & 0x03]!;
  if (size === 0) return { tag, length: 0, partial: false, indeterminate: true };
  if (octets.length < 1 + size) return undefined;
  let length = 0;
  for (let k = 1; k <= size; k++) length = length * 256 + octets[k]!;
  return { tag, length, partial: false, indeterminate: false };
}

export class PacketSplitter {
  private state: State = { kind: 'header', octets: [] };
  private tag = -1;

  push(data: Uint8Array): PacketPiece[] {
    const out: PacketPiece[] = [];
    let pos = 0;
    while (pos < data.length) {
      const state = this.state;
      if (state.kind === 'body') {
        const n = state.indeterminate ? data.length - pos : Math.min(state.left, data.length - pos);
        state.left -= n;
        const ends = !state.indeterminate && !state.partial && state.left === 0;
        out.push({ tag: this.tag, first: state.first, last: ends, bytes: data.subarray(pos, pos + n) });
        state.first = false;
        pos += n;
        if (state.left === 0 && !state.indeterminate) {
          this.state = state.partial ? { kind: 'chunk-length', octets: [] } : { kind: 'header', octets: [] };
        }
        continue;
      }
      state.octets.push(data[pos++]!);
      if (state.kind === 'chunk-length') {
        const length = readNewLength(state.octets);
        if (!length) continue;
        this.enterBody(
          { tag: this.tag, length: length.length, partial: length.partial, indeterminate: false },
          false,
          out,
        );
        continue;
      }
      const header = readHeader(state.octets);
      if (!header) continue;
      this.tag = header.tag;
      this.enterBody(header, true, out);
    }
    return out;
  }

  /** Ends the stream: an indeterminate-length packet ends here; any other unfinished packet is an error. */
  end(): PacketPiece[] {
    const state = this.state;
    if (state.kind === 'body' && state.indeterminate) {
      this.state = { kind: 'header', octets: [] };
      return [{ tag: this.tag, first: state.first, last: true, bytes: EMPTY }];
    }
    if (state.kind !== 'header' || state.octets.length > 0) {
      throw new Error(`the data ends inside a packet (tag ${this.tag})`);
    }
    return [];
  }

  private enterBody(header: Header, first: boolean, out: PacketPiece[]) {
    if (header.length === 0 && !header.partial && !header.indeterminate) {
      out.push({ tag: header.tag, first, last: true, bytes: EMPTY });
      this.state = { kind: 'header', octets: [] };
      return;
    }
    this.state = {
      kind: 'body',
      left: header.length,
      partial: header.partial,
      indeterminate: header.indeterminate,
      first,
    };
  }
}
