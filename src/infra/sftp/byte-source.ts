/**
 * What an upload reads from: a file on disk (streamed, never read whole) or bytes already in memory (sliced,
 * never copied). Both are consumed as chunks of a fixed size so the SFTP pipeline can send them as they come.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

export type ByteSource = { path: string } | { bytes: Uint8Array };

export async function sourceSize(source: ByteSource): Promise<number> {
  return 'bytes' in source ? source.bytes.byteLength : (await stat(source.path)).size;
}

export async function* sourceChunks(source: ByteSource, chunkSize: number): AsyncGenerator<Buffer> {
  if ('bytes' in source) {
    const all = Buffer.from(source.bytes.buffer, source.bytes.byteOffset, source.bytes.byteLength);
    for (let offset = 0; offset < all.length; offset += chunkSize) yield all.subarray(offset, offset + chunkSize);
    return;
  }
  for await (const chunk of createReadStream(source.path, { highWaterMark: chunkSize })) yield chunk as Buffer;
}

export async function sourceSha256(source: ByteSource): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of sourceChunks(source, 1 << 20)) hash.update(chunk);
  return hash.digest('hex');
}
