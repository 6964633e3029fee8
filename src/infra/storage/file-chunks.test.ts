import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFileChunks } from './file-chunks.ts';

describe('readFileChunks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'file-chunks-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the whole file in chunks of at most the size asked, all in one reused buffer', async () => {
    const bytes = randomBytes(10_000);
    writeFileSync(join(dir, 'f'), bytes);
    const copies: Buffer[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for await (const chunk of readFileChunks(join(dir, 'f'), 4096)) {
      expect(chunk.length).toBeLessThanOrEqual(4096);
      copies.push(Buffer.from(chunk));
      buffers.add(chunk.buffer);
    }
    expect(Buffer.concat(copies).equals(bytes)).toBe(true);
    expect(copies.map((c) => c.length)).toEqual([4096, 4096, 1808]);
    expect(buffers.size).toBe(1);
  });

  it('gives nothing for an empty file, and the open error for a missing one', async () => {
    writeFileSync(join(dir, 'empty'), '');
    const chunks = [];
    for await (const chunk of readFileChunks(join(dir, 'empty'))) chunks.push(chunk);
    expect(chunks).toEqual([]);
    await expect(readFileChunks(join(dir, 'missing')).next()).rejects.toThrow(/ENOENT/);
  });
});
