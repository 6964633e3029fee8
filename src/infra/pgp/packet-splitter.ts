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

/** Thrown by a splitter made for one packet (`only`) when bytes follow that packet. */
export class DataAfterPacketError extends Error {}

/** Parses a new-format length from its first octets; undefined while more octets are needed. */
function readNewLength(octets: number[]): { length: number; partial: boolean } | undefined {
  const l0 = octets[0];
  if (l0 === undefined) return undefined;
  if (l0 < 192) return { length: l0, partial: false };
  if (l0 < 224) {
    if (octets.length < 2) return undefined;
    return { length: ((l0 - 192) << 8) + octets[1]! + 192, partial: false };
  }
  if (l0 === 255) {
    if (octets.length < 5) return undefined;
    return { length: ((octets[1]! << 24) >>> 0) + (octets[2]! << 16) + (octets[3]! << 8) + octets[4]!, partial: false };
  }
  return { length: 1 << (l0 & 0x1f), partial: true };
}

export class PacketSplitter {
  private state: State = { kind: 'header', octets: [] };
  private tag = -1;
  /** Set for a splitter of one packet: nothing may follow it. */
  private readonly single: boolean;
  private ended = false;

  /**
   * `only`: the stream is the body of one packet whose header was read elsewhere (its tag and first length),
   * and any byte after that packet is refused (DataAfterPacketError).
   */
  constructor(only?: { tag: number; length: number; partial: boolean }) {
    this.single = only !== undefined;
    if (only) {
      this.tag = only.tag;
      this.enterBody({ ...only, indeterminate: false }, true, []);
    }
  }

  push(data: Uint8Array): PacketPiece[] {
    const out: PacketPiece[] = [];
    let pos = 0;
    while (pos < data.length) {
      if (this.single && this.ended) throw new DataAfterPacketError(`data after the packet (tag ${this.tag})`);
      const state = this.state;
      if (state.kind === 'body') {
        const n = state.indeterminate ? data.length - pos : Math.min(state.left, data.length - pos);
        state.left -= n;
        const ends = !state.indeterminate && !state.partial && state.left === 0;
        out.push({ tag: this.tag, first: state.first, last: ends, bytes: data.subarray(pos, pos + n) });
        state.first = false;
        pos += n;
        if (ends) this.ended = true;
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
      this.ended = true;
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

/**
 * The content of a literal data packet (RFC 9580 §5.9) from its body pieces, the header (format, name length,
 * name, date) skipped however the pieces cut it. One per packet: a second packet is refused.
 */
export class LiteralContent {
  private seen = 0;
  /** Header bytes still to skip once the name length is known; -1 before. */
  private left = -1;
  /** The packet's last piece was taken. */
  done = false;

  get started(): boolean {
    return this.seen > 0;
  }

  /** The content in `piece` (a piece of the body); throws when the packet ends inside its header. */
  take(piece: Uint8Array, last: boolean): Uint8Array {
    if (this.done) throw new Error('a second literal data packet');
    let at = 0;
    while (at < piece.length && this.left !== 0) {
      // at the name length octet (the second), the name and the 4-byte date remain
      if (this.seen === 1) this.left = piece[at]! + 4;
      else if (this.left > 0) this.left--;
      this.seen++;
      at++;
    }
    if (last) {
      if (this.left !== 0) throw new Error('the literal data packet ends inside its header');
      this.done = true;
    }
    return piece.subarray(at);
  }
}
