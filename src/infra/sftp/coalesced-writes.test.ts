import type { FileHandle } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { coalescedWriter } from './coalesced-writes.ts';

/** An in-memory file whose writev writes at most `limit` bytes (a short write) and can be made to fail. */
function memoryFile(limit = Number.POSITIVE_INFINITY) {
  const content = Buffer.alloc(1 << 16);
  const calls: number[] = [];
  let failWith: Error | undefined;
  const put = (bytes: Buffer, position: number) => {
    bytes.copy(content, position);
    return bytes.length;
  };
  const file = {
    async writev(chunks: Buffer[], position: number) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (failWith) throw failWith;
      calls.push(chunks.length);
      const all = Buffer.concat(chunks);
      return { bytesWritten: put(all.subarray(0, Math.min(limit, all.length)), position) };
    },
    async write(buffer: Buffer, offset: number, length: number, position: number) {
      return { bytesWritten: put(buffer.subarray(offset, offset + Math.min(length, limit)), position) };
    },
  };
  return { file: file as unknown as FileHandle, content, calls, fail: (error: Error) => (failWith = error) };
}

describe('coalesced writes', () => {
  it('writes the chunks in order, several per writev while one is in flight', async () => {
    const { file, content, calls } = memoryFile();
    const writer = coalescedWriter(file);
    const chunks = Array.from({ length: 20 }, (_, i) => Buffer.alloc(100, i + 1));
    await Promise.all(chunks.map((chunk) => writer.write(chunk)));
    expect(content.subarray(0, 2000).equals(Buffer.concat(chunks))).toBe(true);
    expect(calls.length).toBeLessThan(chunks.length);
  });

  it('holds chunks back until minBytes are waiting, or until flushed', async () => {
    const { file, content, calls } = memoryFile();
    const writer = coalescedWriter(file, { minBytes: 250 });
    const written: number[] = [];
    const chunks = Array.from({ length: 3 }, (_, i) => Buffer.alloc(100, i + 1));
    const pending = chunks.map((chunk, i) => writer.write(chunk).then(() => written.push(i)));
    await Promise.all(pending);
    expect(calls).toEqual([3]);
    const last = writer.write(Buffer.alloc(10, 9)).then(() => written.push(3));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(written).toEqual([0, 1, 2]);
    writer.flush();
    await last;
    expect(content.subarray(0, 310).equals(Buffer.concat([...chunks, Buffer.alloc(10, 9)]))).toBe(true);
  });

  it('finishes a short write', async () => {
    const { file, content } = memoryFile(150);
    const writer = coalescedWriter(file);
    const chunks = Array.from({ length: 5 }, (_, i) => Buffer.alloc(100, i + 1));
    await Promise.all(chunks.map((chunk) => writer.write(chunk)));
    expect(content.subarray(0, 500).equals(Buffer.concat(chunks))).toBe(true);
  });

  it('fails the waiting chunks and every later one once a write failed', async () => {
    const { file, fail } = memoryFile();
    const writer = coalescedWriter(file);
    fail(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
    const results = await Promise.allSettled([writer.write(Buffer.alloc(1)), writer.write(Buffer.alloc(1))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(writer.write(Buffer.alloc(1))).rejects.toMatchObject({ code: 'ENOSPC' });
  });
});
