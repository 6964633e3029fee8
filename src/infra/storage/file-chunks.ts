/**
 * A file's bytes as chunks read into one buffer, refilled for each chunk: reading a large file allocates
 * nothing per chunk, so memory stays flat whatever its size. fs.createReadStream allocates a new buffer per
 * chunk, and the dead ones wait for a garbage collection that their (external) memory triggers late: tens of
 * MB more at the peak of a 1 GB reconciliation file's parse.
 *
 * The consumer must be done with a chunk, or have copied what it keeps, before it asks for the next one (the
 * format parsers are: they copy the partial line and the header they carry).
 *
 * @example
 *   for await (const r of parseReconciliationStream('fixed_width', readFileChunks(path), options)) count++;
 */
import { open } from 'node:fs/promises';

export async function* readFileChunks(path: string, chunkSize = 1 << 20): AsyncGenerator<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = new Uint8Array(chunkSize);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, chunkSize, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}
