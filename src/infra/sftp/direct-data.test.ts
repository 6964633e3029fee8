import type { SFTPWrapper } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { installDirectReadReplies } from './direct-data.ts';

const DATA = 103;
const STATUS = 101;
const HANDLE = 102;

function packet(type: number, id: number, body: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUInt32BE(5 + body.length, 0);
  head[4] = type;
  head.writeUInt32BE(id, 5);
  return Buffer.concat([head, body]);
}
function stringField(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([length, bytes]);
}

/** A stand-in for ssh2's SFTP channel: records what reaches its parser, holds a request table. */
function fakeChannel() {
  const parsed: Buffer[] = [];
  const completed: Array<{ id: number; bytes: number }> = [];
  const channel = {
    _requests: {} as Record<number, { buffer?: Buffer; cb?: (e: unknown, b?: Buffer, n?: number) => void }>,
    push(data: Buffer | null) {
      if (data) parsed.push(Buffer.from(data));
    },
  };
  const read = (id: number, size: number) => {
    const buffer = Buffer.alloc(size);
    channel._requests[id] = { buffer, cb: (_e, _b, n) => completed.push({ id, bytes: n ?? -1 }) };
    return buffer;
  };
  expect(installDirectReadReplies(channel as unknown as SFTPWrapper)).toBe(true);
  return { channel, parsed, completed, read };
}

/** Feeds `stream` in pieces of the given sizes (cycled), as channel data arrives. */
function feed(push: (b: Buffer) => unknown, stream: Buffer, sizes: number[]): void {
  for (let at = 0, i = 0; at < stream.length; i++) {
    const n = sizes[i % sizes.length]!;
    push(stream.subarray(at, at + n));
    at += n;
  }
}

describe('direct READ replies', () => {
  for (const sizes of [[1], [3, 7], [13], [64 * 1024], [5, 4096, 2]]) {
    it(`copies DATA into the request's buffer and passes the rest on in order (pieces of ${sizes})`, () => {
      const { channel, parsed, completed, read } = fakeChannel();
      const a = read(1, 5000);
      const b = read(2, 100);
      const payloadA = Buffer.alloc(5000, 7);
      const payloadB = Buffer.from('partial read');
      const status = packet(STATUS, 9, Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
      const handle = packet(HANDLE, 3, stringField(Buffer.from('h1')));
      const unknown = packet(DATA, 42, stringField(Buffer.from('nobody asked')));
      const stream = Buffer.concat([
        status,
        packet(DATA, 1, stringField(payloadA)),
        handle,
        unknown,
        packet(DATA, 2, stringField(payloadB)),
      ]);
      feed((d) => channel.push(d), stream, sizes);
      expect(a.equals(payloadA)).toBe(true);
      expect(b.subarray(0, payloadB.length).equals(payloadB)).toBe(true);
      expect(completed).toEqual([
        { id: 1, bytes: 5000 },
        { id: 2, bytes: payloadB.length },
      ]);
      expect(channel._requests).toEqual({});
      expect(Buffer.concat(parsed).equals(Buffer.concat([status, handle, unknown]))).toBe(true);
    });
  }

  it('leaves a reply larger than its buffer to ssh2, which reports it', () => {
    const { channel, parsed, completed, read } = fakeChannel();
    read(1, 4);
    const reply = packet(DATA, 1, stringField(Buffer.from('too long')));
    feed((d) => channel.push(d), reply, [6]);
    expect(completed).toEqual([]);
    expect(Buffer.concat(parsed).equals(reply)).toBe(true);
  });

  it('does not complete a request the channel has already failed', () => {
    const { channel, completed, read } = fakeChannel();
    read(1, 10);
    const reply = packet(DATA, 1, stringField(Buffer.alloc(10, 1)));
    channel.push(reply.subarray(0, 15));
    channel._requests = {}; // what ssh2 does when the channel closes (the callbacks got an error)
    channel.push(reply.subarray(15));
    expect(completed).toEqual([]);
  });
});
