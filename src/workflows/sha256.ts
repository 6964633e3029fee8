import { createHash } from 'node:crypto';

/** Hex SHA-256 of bytes: the identity of every file that leaves or arrives. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
