import type { SFTPWrapper } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { directWriter } from './direct-writes.ts';

/**
 * ssh2's SFTP channel as far as the writer sees it: the window, the peer's packet size, the request table, the
 * queue. `adjust` plays a WINDOW_ADJUST the way ssh2's client handles it.
 */
function fakeChannel(window: number, packetSize = 1000) {
  const packets: Buffer[] = [];
  const channel = {
    outgoing: { id: 7, window, packetSize, state: 'open' },
    _protocol: {
      channelData(id: number, data: Buffer) {
        expect(id).toBe(7);
        expect(data.length).toBeLessThanOrEqual(packetSize);
        packets.push(Buffer.from(data));
      },
    },
    _requests: {} as Record<number, { cb?: (error?: Error) => void }>,
    _writeReqid: 41,
    _maxWriteLen: 5000,
    _buffer: [] as Buffer[],
    _waitWindow: false,
    _chunkcb: undefined as (() => void) | undefined,
  };
  const adjust = (amount: number) => {
    channel.outgoing.window += amount;
    if (channel._waitWindow) {
      channel._waitWindow = false;
      channel._chunkcb?.();
    }
  };
  const stream = () => Buffer.concat(packets);
  return { channel, packets, adjust, stream, sftp: channel as unknown as SFTPWrapper };
}

/** The WRITE message ssh2 itself would send (SFTP v3: id, handle, uint64 offset, data). */
function expectedWrite(id: number, handle: Buffer, position: number, data: Buffer): Buffer {
  const head = Buffer.alloc(4 + 1 + 4 + 4);
  head.writeUInt32BE(1 + 4 + 4 + handle.length + 8 + 4 + data.length, 0);
  head[4] = 6;
  head.writeUInt32BE(id, 5);
  head.writeUInt32BE(handle.length, 9);
  const offset = Buffer.alloc(8);
  offset.writeBigUInt64BE(BigInt(position));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([head, handle, offset, length, data]);
}

const handle = Buffer.from('handle-1');

describe('direct WRITE requests', () => {
  it("sends the message ssh2 would, in packets of at most the peer's size, with offsets past 4 GiB", () => {
    const { sftp, packets, stream } = fakeChannel(1 << 20, 1000);
    const writer = directWriter(sftp)!;
    const data = Buffer.alloc(2500, 0x5a);
    writer.write(handle, data, 5 * 2 ** 32 + 17, () => {});
    expect(stream()).toEqual(expectedWrite(42, handle, 5 * 2 ** 32 + 17, data));
    expect(packets.map((p) => p.length)).toEqual([1000, 1000, 533]);
    expect(writer.sent).toBe(1);
  });

  it('copies the data at once: the caller may reuse its buffer as soon as write returns', () => {
    const { sftp, stream, adjust } = fakeChannel(0);
    const writer = directWriter(sftp)!;
    const data = Buffer.from('first content');
    writer.write(handle, data, 0, () => {});
    data.fill(0);
    adjust(1 << 20);
    expect(stream()).toEqual(expectedWrite(42, handle, 0, Buffer.from('first content')));
  });

  it('stops where the window runs out and sends the rest, in order, as it opens', () => {
    const { channel, sftp, stream, adjust } = fakeChannel(1500, 1000);
    const writer = directWriter(sftp)!;
    const a = Buffer.alloc(1600, 1);
    const b = Buffer.alloc(800, 2);
    writer.write(handle, a, 0, () => {});
    expect(channel.outgoing.window).toBe(0);
    expect(channel._waitWindow).toBe(true);
    // queued whole behind the rest of the first, though the window may have opened a little by then
    writer.write(handle, b, 1600, () => {});
    expect(stream().length).toBe(1500);
    adjust(300);
    expect(stream().length).toBe(1800);
    adjust(10_000);
    expect(stream()).toEqual(Buffer.concat([expectedWrite(42, handle, 0, a), expectedWrite(43, handle, 1600, b)]));
    expect(channel._buffer).toEqual([]);
  });

  it('reuses a message buffer after the OK reply, never after an error', () => {
    const { channel, sftp, adjust } = fakeChannel(0);
    const writer = directWriter(sftp)!;
    const results: Array<Error | undefined> = [];
    const sent: Buffer[] = [];
    const write = (fill: number) => {
      writer.write(handle, Buffer.alloc(100, fill), 0, (error) => results.push(error));
      sent.push(channel._buffer.at(-1)!);
    };
    write(1);
    channel._requests[42]!.cb!();
    write(2);
    expect(sent[1]!.buffer).toBe(sent[0]!.buffer);
    channel._requests[43]!.cb!(new Error('Failure'));
    write(3);
    expect(sent[2]!.buffer).not.toBe(sent[1]!.buffer);
    adjust(1 << 20);
    expect(results.map((r) => r?.message)).toEqual([undefined, 'Failure']);
  });

  it('refuses a WRITE over the server limit and declines a channel without the expected internals', () => {
    const { sftp } = fakeChannel(1 << 20);
    expect(() => directWriter(sftp)!.write(handle, Buffer.alloc(5001), 0, () => {})).toThrow(/5001 bytes/);
    expect(directWriter({ outgoing: {} } as unknown as SFTPWrapper)).toBeUndefined();
  });
});
