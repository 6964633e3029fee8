/**
 * What an upload sends: bytes already in memory (a payment file is at most 10 MB, docs/operations.md batch limits),
 * sent in slices, never copied (ssh2 copies each WRITE's data into its packet).
 */
import { createHash } from 'node:crypto';

export type ByteSource = { bytes: Uint8Array };

export function sourceBuffer(source: ByteSource): Buffer {
  return Buffer.from(source.bytes.buffer, source.bytes.byteOffset, source.bytes.byteLength);
}

export function sourceSha256(source: ByteSource): string {
  return createHash('sha256').update(source.bytes).digest('hex');
}
