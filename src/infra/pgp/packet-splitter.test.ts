import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataAfterPacketError, LiteralContent, type PacketPiece, PacketSplitter } from './packet-splitter.ts';
import { concat } from './streams.ts';

/** Packet bodies by tag, joined from the pieces, in order. */
function packets(pieces: PacketPiece[]): { tag: number; body: number[] }[] {
  const out: { tag: number; body: number[] }[] = [];
  for (const p of pieces) {
    if (p.first) out.push({ tag: p.tag, body: [] });
    out.at(-1)!.body.push(...p.bytes);
  }
  return out;
}

function feed(bytes: Uint8Array, cuts: number[]): PacketPiece[] {
  const splitter = new PacketSplitter();
  const pieces: PacketPiece[] = [];
  let at = 0;
  for (const cut of [...cuts.filter((c) => c < bytes.length)].sort((a, b) => a - b)) {
    // Each piece is copied: a view is only valid until the next push.
    for (const p of splitter.push(bytes.slice(at, cut))) pieces.push({ ...p, bytes: p.bytes.slice() });
    at = cut;
  }
  for (const p of splitter.push(bytes.slice(at))) pieces.push({ ...p, bytes: p.bytes.slice() });
  pieces.push(...splitter.end());
  return pieces;
}

const body = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

// A one-pass signature packet in the old format (what gpg writes), a literal packet in partial lengths
// (512 + 256 + definite 3), and a signature packet with a two-octet new-format length.
const OPS = concat([Uint8Array.of(0x90, 13), body(13, 2)]);
const LITERAL = concat([
  Uint8Array.of(0xcb, 0xe9), // new format tag 11, partial 2^9
  body(512, 3),
  Uint8Array.of(0xe8), // partial 2^8
  body(256, 4),
  Uint8Array.of(3),
  body(3, 5),
]);
const SIGNATURE = concat([Uint8Array.of(0xc2, 0xc0, 0x08), body(200, 6)]); // 192 + 8
const MESSAGE = concat([OPS, LITERAL, SIGNATURE]);

describe('PacketSplitter', () => {
  it('splits old and new format headers, partial and two-octet lengths into packet bodies', () => {
    const out = packets(feed(MESSAGE, []));
    expect(out.map((p) => p.tag)).toEqual([4, 11, 2]);
    expect(out[0]!.body).toEqual([...body(13, 2)]);
    expect(out[1]!.body).toEqual([...body(512, 3), ...body(256, 4), ...body(3, 5)]);
    expect(out[2]!.body).toEqual([...body(200, 6)]);
  });

  it('gives the same packets whatever the chunk boundaries', () => {
    const whole = packets(feed(MESSAGE, []));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: MESSAGE.length - 1 }), { maxLength: 12 }), (cuts) => {
        expect(packets(feed(MESSAGE, cuts))).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('marks first and last pieces, and ends an indeterminate old-format packet at the end of input', () => {
    const indeterminate = concat([Uint8Array.of(0xaf), body(40)]); // old format tag 11, length type 3
    const pieces = feed(indeterminate, [10, 25]);
    expect(pieces.filter((p) => p.first)).toHaveLength(1);
    expect(pieces.at(-1)!.last).toBe(true);
    expect(pieces.slice(0, -1).every((p) => !p.last)).toBe(true);
    expect(packets(pieces)[0]!.body).toEqual([...body(40)]);
  });

  it('refuses input that stops inside a packet or is not a packet', () => {
    const splitter = new PacketSplitter();
    splitter.push(MESSAGE.subarray(0, MESSAGE.length - 5));
    expect(() => splitter.end()).toThrow(/ends inside a packet \(tag 2\)/);
    expect(() => new PacketSplitter().push(Uint8Array.of(0x10, 1, 2))).toThrow(/not an OpenPGP packet header/);
    const midHeader = new PacketSplitter();
    midHeader.push(Uint8Array.of(0xc2, 0xc0));
    expect(() => midHeader.end()).toThrow(/ends inside a packet/);
  });

  it('handles zero-length packets', () => {
    const out = packets(feed(Uint8Array.of(0xca, 0, 0x88, 0), []));
    expect(out).toEqual([
      { tag: 10, body: [] },
      { tag: 2, body: [] },
    ]);
  });
});

describe('PacketSplitter for one packet', () => {
  it('reads the body of a packet whose header was read elsewhere, and refuses a byte after it', () => {
    const splitter = new PacketSplitter({ tag: 18, length: 512, partial: true });
    const rest = concat([body(512, 1), Uint8Array.of(5), body(5, 2)]);
    const pieces = [...splitter.push(rest.subarray(0, 300)), ...splitter.push(rest.subarray(300))];
    expect(Buffer.concat(pieces.map((p) => p.bytes))).toEqual(Buffer.concat([body(512, 1), body(5, 2)]));
    expect(pieces.at(-1)!.last).toBe(true);
    expect(() => splitter.push(Uint8Array.of(0xc0 | 11, 0))).toThrow(DataAfterPacketError);
    expect(() => new PacketSplitter({ tag: 18, length: 4, partial: false }).push(body(5))).toThrow(
      DataAfterPacketError,
    );
  });
});

describe('LiteralContent', () => {
  // format 'b', a 3-byte name, a 4-byte date, then the content
  const packetBody = concat([Uint8Array.of(0x62, 3), new TextEncoder().encode('f.t'), body(4, 9), body(50, 7)]);

  it('gives the content after the header, wherever the pieces cut it', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: packetBody.length - 1 }), { maxLength: 6 }), (cuts) => {
        const at = [0, ...[...new Set(cuts)].sort((a, b) => a - b), packetBody.length];
        const literal = new LiteralContent();
        const content: number[] = [];
        for (let i = 0; i + 1 < at.length; i++) {
          content.push(...literal.take(packetBody.subarray(at[i]!, at[i + 1]!), i + 2 === at.length));
        }
        expect(content).toEqual([...body(50, 7)]);
        expect(literal.done).toBe(true);
      }),
    );
  });

  it('refuses a packet that ends inside its header, and a second packet', () => {
    expect(() => new LiteralContent().take(packetBody.subarray(0, 6), true)).toThrow(/ends inside its header/);
    const literal = new LiteralContent();
    literal.take(packetBody, true);
    expect(() => literal.take(packetBody, true)).toThrow(/second literal data packet/);
  });
});
