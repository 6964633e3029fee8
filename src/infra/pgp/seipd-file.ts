/**
 * File to file decryption of a SEIPD v1 message whose inside is plain one-pass signed data, in one
 * synchronous loop meant for the SEIPD worker thread (seipd-offload.ts): read into one reused buffer, strip
 * the packet framing, decrypt and check the MDC, take the literal content out and write it, computing each
 * signature's digest and the content's SHA-256 on the way. What it returns is checked by the calling thread
 * (signatures with openpgp.js, policy in pipeline.ts) before the output is renamed into place.
 *
 * Why not the streaming path for files: there every megabyte crosses two threads and a chain of async
 * iterators, and the freed buffers keep the calling thread's collector busy; decrypting 100 MB took about
 * 400 ms, this loop about 200 ms of one thread.
 *
 * @example
 *   const r = decryptFileSync({ input, bodyOffset, first, algorithm: 'aes256', key, output, maxOutputBytes });
 *   if (r.fallback) ... // not the plain layout: nothing was written, read it the general way
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { InnerDigester } from './inner-digest.ts';
import { PacketBodyReader, type SeipdCipher, SeipdDecryptor } from './seipd.ts';
import { readOnePassHeads, SignedLiteralParser } from './signed-literal-parser.ts';
import { concat } from './streams.ts';

export interface FileDecryptionJob {
  input: string;
  /** Where the SEIPD packet's body starts in `input`, and its first length (locateEncryptedData). */
  bodyOffset: number;
  first: { length: number; partial: boolean };
  algorithm: SeipdCipher;
  key: Uint8Array;
  /** Created here (it must not exist): the literal content. */
  output: string;
  maxOutputBytes: number;
}

export type FileDecryptionResult =
  | { fallback: true }
  | {
      fallback: false;
      bytesOut: number;
      /** Each signature packet's body, in order, and the digest each covers (null: none computed). */
      signatures: Uint8Array[];
      digests: (Uint8Array | null)[];
      contentSha256?: string;
    };

/** The plaintext grew past `maxOutputBytes`. */
export class OutputLimitError extends Error {
  readonly code = 'output_limit';
}

const READ_BYTES = 1 << 20;
/** Enough decrypted bytes to see the one-pass signature packets and the literal packet's header. */
const INNER_HEAD_BYTES = 4096;

export function decryptFileSync(job: FileDecryptionJob): FileDecryptionResult {
  const input = openSync(job.input, 'r');
  let output: number | undefined;
  try {
    const reader = new PacketBodyReader(job.first);
    const decryptor = new SeipdDecryptor(job.algorithm, job.key);
    const digester = new InnerDigester();
    let parser: SignedLiteralParser | undefined;
    let head: Uint8Array[] = [];
    let headBytes = 0;
    let bytesOut = 0;

    const write = (pieces: Uint8Array[]) => {
      for (const piece of pieces) {
        bytesOut += piece.length;
        if (bytesOut > job.maxOutputBytes) {
          throw new OutputLimitError(`plaintext exceeds the limit of ${job.maxOutputBytes} bytes`);
        }
        for (let at = 0; at < piece.length; ) at += writeSync(output!, piece, at);
      }
    };
    /** False when the inside turns out not to be the plain layout (nothing written yet). */
    const take = (plain: Uint8Array[], last: boolean): boolean => {
      for (const piece of plain) digester.push(piece);
      if (parser) {
        for (const piece of plain) write(parser.push(piece));
        return true;
      }
      // The decryptor's output pieces are its own fresh buffers: keeping them here is safe.
      head.push(...plain);
      headBytes += plain.reduce((n, p) => n + p.length, 0);
      if (headBytes < INNER_HEAD_BYTES && !last) return true;
      const first = concat(head, headBytes);
      head = [];
      const onePasses = readOnePassHeads(first);
      if (!onePasses) return false;
      parser = new SignedLiteralParser(onePasses.length);
      output = openSync(job.output, 'wx', 0o600);
      write(parser.push(first));
      return true;
    };

    const buffer = Buffer.allocUnsafe(READ_BYTES);
    let position = job.bodyOffset;
    for (;;) {
      const n = readSync(input, buffer, 0, READ_BYTES, position);
      if (n === 0) break;
      position += n;
      // Body pieces are views of `buffer`: the decryptor copies what it keeps before the next read.
      for (const body of reader.push(buffer.subarray(0, n))) {
        if (!take(decryptor.push(body), false)) return { fallback: true };
      }
    }
    reader.end();
    if (!take(decryptor.end(), true)) return { fallback: true };
    write(parser!.end());
    const inner = digester.end();
    return {
      fallback: false,
      bytesOut,
      signatures: parser!.signatures,
      digests: inner.digests,
      ...(inner.contentSha256 ? { contentSha256: inner.contentSha256 } : {}),
    };
  } finally {
    closeSync(input);
    if (output !== undefined) closeSync(output);
  }
}
