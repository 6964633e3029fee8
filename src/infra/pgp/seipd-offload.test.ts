import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { locateEncryptedData } from './packets.ts';
import { PacketBodyReader } from './seipd.ts';
import { OFFLOAD_THRESHOLD, seipdRuns, seipdTransform } from './seipd-offload.ts';
import { collect, concat } from './streams.ts';

async function* chunked(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** The packet's body, framing removed, as the engine hands it to the decryptor. */
function bodyOf(packet: Uint8Array): Uint8Array {
  const where = locateEncryptedData(packet)!;
  const reader = new PacketBodyReader(where.first);
  const body = concat(reader.push(packet.subarray(where.bodyOffset)));
  reader.end();
  return body;
}

async function roundTrip(plaintext: Uint8Array, key: Uint8Array) {
  const packet = await collect(seipdTransform('encrypt', 'aes256', key, chunked(plaintext, 1 << 20)));
  return collect(seipdTransform('decrypt', 'aes256', key, chunked(bodyOf(packet), 999_999)));
}

describe('SEIPD offload', () => {
  it('runs a large stream in a worker thread and a small one in the calling thread, with the same result', async () => {
    const key = randomBytes(32);
    const before = { ...seipdRuns };
    const large = randomBytes(OFFLOAD_THRESHOLD * 2 + 123);
    expect(Buffer.from(await roundTrip(large, key)).equals(large)).toBe(true);
    expect(seipdRuns.worker - before.worker).toBe(2);
    const small = randomBytes(1000);
    expect(Buffer.from(await roundTrip(small, key)).equals(small)).toBe(true);
    expect(seipdRuns.inThread - before.inThread).toBe(2);
  });

  it('reports tampering found by the worker as an error of the stream', async () => {
    const key = randomBytes(32);
    const packet = await collect(seipdTransform('encrypt', 'aes256', key, chunked(randomBytes(9 << 20), 1 << 20)));
    const body = bodyOf(packet);
    body[5 << 20]! ^= 0x80;
    await expect(collect(seipdTransform('decrypt', 'aes256', key, chunked(body, 1 << 20)))).rejects.toThrow(
      /Modification detected/,
    );
    // The worker that failed is not reused in a broken state: the next stream works.
    const again = randomBytes(6 << 20);
    expect(Buffer.from(await roundTrip(again, key)).equals(again)).toBe(true);
  });

  it('stops the source and the worker when the reader stops early, and passes on a failing source', async () => {
    const key = randomBytes(32);
    let closed = false;
    async function* endless(): AsyncIterable<Uint8Array> {
      try {
        for (;;) yield randomBytes(1 << 20);
      } finally {
        closed = true;
      }
    }
    let seen = 0;
    for await (const chunk of seipdTransform('encrypt', 'aes256', key, endless())) {
      seen += chunk.length;
      if (seen > 8 << 20) break;
    }
    expect(closed).toBe(true);
    async function* failing(): AsyncIterable<Uint8Array> {
      yield* chunked(randomBytes(6 << 20), 1 << 20);
      throw new Error('disk read failed');
    }
    await expect(collect(seipdTransform('encrypt', 'aes256', key, failing()))).rejects.toThrow(/disk read failed/);
  });
});
