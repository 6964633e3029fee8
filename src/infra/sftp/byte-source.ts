/**
 * What an upload reads from: a file on disk (streamed, never read whole) or bytes already in memory (sliced,
 * never copied). Both are consumed as chunks of a fixed size so the SFTP pipeline can send them as they come.
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';

export type ByteSource = { path: string } | { bytes: Uint8Array };

/** File reads are this large (then sliced): fewer thread-pool round trips than one read per SFTP chunk. */
const READ_BLOCK = 1 << 20;

export async function sourceSize(source: ByteSource): Promise<number> {
  return 'bytes' in source ? source.bytes.byteLength : (await stat(source.path)).size;
}

/**
 * Yields the content in chunks of at most `chunkSize` bytes. A file's chunks are views into two reused read
 * buffers (one filled while the other is consumed): a chunk is valid only until the next one is requested, so
 * the consumer must copy or finish with it first (ssh2's `write` copies into its packet at once). Reusing the
 * buffers matters for throughput: a fresh buffer per chunk is 200 MB of garbage for a 200 MB file, and the
 * collections it forces cost more than the encryption.
 */
export async function* sourceChunks(source: ByteSource, chunkSize: number): AsyncGenerator<Buffer> {
  if ('bytes' in source) {
    const all = Buffer.from(source.bytes.buffer, source.bytes.byteOffset, source.bytes.byteLength);
    for (let offset = 0; offset < all.length; offset += chunkSize) yield all.subarray(offset, offset + chunkSize);
    return;
  }
  const file = await open(source.path, 'r');
  let pending: Promise<number> | undefined;
  try {
    const blockSize = Math.max(chunkSize, Math.floor(READ_BLOCK / chunkSize) * chunkSize);
    const buffers = [Buffer.allocUnsafeSlow(blockSize), Buffer.allocUnsafeSlow(blockSize)];
    let position = 0;
    const readInto = (buffer: Buffer) => file.read(buffer, 0, blockSize, position).then(({ bytesRead }) => bytesRead);
    pending = readInto(buffers[0]!);
    for (let turn = 0; ; turn ^= 1) {
      const bytesRead = await pending;
      if (bytesRead === 0) return;
      position += bytesRead;
      const block = buffers[turn]!;
      pending = readInto(buffers[turn ^ 1]!);
      for (let offset = 0; offset < bytesRead; offset += chunkSize) {
        yield block.subarray(offset, Math.min(offset + chunkSize, bytesRead));
      }
    }
  } finally {
    // a consumer that stops early leaves a read in flight: let it land before the descriptor goes
    await pending?.catch(() => 0);
    await file.close();
  }
}

export async function sourceSha256(source: ByteSource): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of sourceChunks(source, 1 << 20)) hash.update(chunk);
  return hash.digest('hex');
}
