/**
 * Byte streams in and out of the PGP layer are `AsyncIterable<Uint8Array>`: a node Readable, a web
 * ReadableStream (Node 20 and Deno iterate both) or an async generator all fit. What we write streams through
 * openpgp.js or gpg; what we read is held whole, within the limits (docs/pgp.md). These helpers convert and
 * measure.
 */
import { createHash } from 'node:crypto';

export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array;

export async function* toAsyncIterable(source: ByteSource): AsyncIterable<Uint8Array> {
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  for await (const chunk of source as AsyncIterable<Uint8Array>) yield chunk;
}

/** A web ReadableStream (what openpgp.js streams on), pulled lazily: backpressure reaches the source. */
export function toWebStream(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel(reason) {
        await iterator.return?.(reason);
      },
    },
    { highWaterMark: 1 },
  );
}

/** Re-cut a stream into chunks of at least `size` bytes (fewer, larger chunks are much cheaper for openpgp.js). */
export async function* rechunk(source: AsyncIterable<Uint8Array>, size: number): AsyncIterable<Uint8Array> {
  let parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of source) {
    if (length === 0 && chunk.length >= size) {
      yield chunk;
      continue;
    }
    parts.push(chunk);
    length += chunk.length;
    if (length >= size) {
      yield concat(parts, length);
      parts = [];
      length = 0;
    }
  }
  if (length > 0) yield concat(parts, length);
}

export function concat(parts: Uint8Array[], length = parts.reduce((n, p) => n + p.length, 0)): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of source) parts.push(chunk);
  return concat(parts);
}

/** Counts bytes passing through (and hashes them when asked). */
export class ByteMeter {
  bytes = 0;
  private readonly hash = createHash('sha256');
  constructor(private readonly hashing = false) {}

  async *pass(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    for await (const chunk of source) {
      this.bytes += chunk.length;
      if (this.hashing) this.hash.update(chunk);
      yield chunk;
    }
  }

  sha256(): string {
    return this.hash.digest('hex');
  }
}

export async function* textToBytes(source: AsyncIterable<string | Uint8Array>): AsyncIterable<Uint8Array> {
  const encoder = new TextEncoder();
  for await (const chunk of source) yield typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
}
