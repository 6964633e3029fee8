import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Client } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { ringReads } from './ring-reads.ts';

const KEXINIT = 20;
const CHANNEL_DATA = 94;

/** ssh2's protocol object as far as the ring sees it: where payloads go, and the decipher's held packet. */
function fakeClient() {
  const received: Buffer[] = [];
  const onPayload = (payload: Buffer) => {
    received.push(payload);
  };
  const decipher = { _onPayload: onPayload, _packet: null as Uint8Array | null };
  const protocol = { _onPayload: onPayload, _decipher: decipher };
  return { client: { _protocol: protocol } as unknown as Client, protocol, decipher, received };
}

/** A socket as ssh2 uses it here: 'data' events, and whether anyone listens. */
function fakeSocket() {
  const chunks: Buffer[] = [];
  const socket = new EventEmitter();
  const listen = () => socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { socket: socket as unknown as Socket, chunks, listen };
}

/** What Node does for one read: take a buffer from `onread.buffer`, fill it, call back. */
function read(reads: ReturnType<typeof ringReads>, bytes: Buffer): Uint8Array {
  const target = reads.onread.buffer();
  bytes.copy(target as Buffer);
  reads.onread.callback(bytes.length, target);
  return target;
}

describe('ring reads', () => {
  it('copies every read until enabled, then hands ssh2 views of the reused buffers', () => {
    const reads = ringReads();
    const { socket, chunks, listen } = fakeSocket();
    reads.attach(socket);
    listen();
    const first = read(reads, Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'));
    expect(chunks[0]!.buffer).not.toBe(first.buffer);
    expect(reads.enable(fakeClient().client)).toBe(true);
    const later = read(reads, Buffer.from('channel data'));
    expect(chunks[1]!.buffer).toBe(later.buffer);
    expect(chunks[1]!.toString()).toBe('channel data');
    expect(reads.stats).toEqual({ views: 1, copies: 1 });
    // the ring goes round: a later read lands in the same memory
    const seen = new Set<ArrayBufferLike>();
    for (let i = 0; i < 6; i++) seen.add(read(reads, Buffer.from(`read ${i}`)).buffer);
    expect(seen.size).toBe(3);
  });

  it('never hands out a buffer the decipher still points into (a packet body waiting for its tag)', () => {
    const reads = ringReads();
    const { client, decipher } = fakeClient();
    reads.enable(client);
    const held = reads.onread.buffer();
    decipher._packet = (held as Buffer).subarray(100, 32_900);
    for (let i = 0; i < 7; i++) expect(reads.onread.buffer().buffer).not.toBe(held.buffer);
    decipher._packet = null;
    const next = [reads.onread.buffer(), reads.onread.buffer(), reads.onread.buffer()];
    expect(next.map((b) => b.buffer)).toContain(held.buffer);
  });

  it('keeps reads that came before ssh2 listened and hands them over first, in order', async () => {
    const reads = ringReads();
    const { socket, chunks, listen } = fakeSocket();
    reads.attach(socket);
    read(reads, Buffer.from('one '));
    read(reads, Buffer.from('two '));
    listen();
    await Promise.resolve();
    read(reads, Buffer.from('three'));
    expect(Buffer.concat(chunks).toString()).toBe('one two three');
  });

  it('hands protocol messages on as copies and channel data as views, for later deciphers too', () => {
    const reads = ringReads();
    const { client, protocol, decipher, received } = fakeClient();
    reads.enable(client);
    const data = Buffer.from([CHANNEL_DATA, 0, 0, 0, 0, 1, 2, 3]);
    const kexinit = Buffer.from([KEXINIT, 9, 9, 9]);
    decipher._onPayload(data);
    decipher._onPayload(kexinit);
    // a rekey's new decipher is made with the protocol's `_onPayload`
    protocol._onPayload(kexinit);
    expect(received[0]).toBe(data);
    // the read buffer is reused: what ssh2 kept must not change with it
    kexinit.fill(0);
    for (const copy of received.slice(1)) expect([...copy]).toEqual([KEXINIT, 9, 9, 9]);
  });

  it('stays with copies where ssh2 is not as expected', () => {
    const reads = ringReads();
    const { socket, chunks, listen } = fakeSocket();
    reads.attach(socket);
    listen();
    expect(reads.enable({ _protocol: { _onPayload: () => {} } } as unknown as Client)).toBe(false);
    const target = read(reads, Buffer.from('still copied'));
    expect(chunks[0]!.buffer).not.toBe(target.buffer);
  });
});
