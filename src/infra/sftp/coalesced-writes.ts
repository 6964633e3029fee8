/**
 * Sequential writes to a local file, coalesced: chunks go out together in one `writev` once `minBytes` of them
 * are waiting (or on `flush`), and those handed over while a write is in flight go out together once it
 * completes. The download loop hands each chunk over and moves on to the next reply instead of waiting for the
 * disk, and there are few thread-pool round trips: each is a wake-up of a pool thread, which on a busy 2-core
 * machine costs more than the copy into the page cache.
 */
import type { FileHandle } from 'node:fs/promises';

export interface CoalescedWriter {
  /** Appends `chunk`; resolves once it is written (the caller may then reuse the buffer). Call `flush` before waiting. */
  write(chunk: Buffer): Promise<void>;
  /** Starts writing what is waiting, however little. */
  flush(): void;
}

/** Writes all of `chunks` at `position`; a short write (allowed, rare for regular files) is finished piece by piece. */
async function writevFully(file: FileHandle, chunks: Buffer[], position: number): Promise<number> {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const first = (await file.writev(chunks, position)).bytesWritten;
  if (first < total) {
    const rest = Buffer.concat(chunks).subarray(first);
    for (let at = 0; at < rest.length; ) {
      at += (await file.write(rest, at, rest.length - at, position + first + at)).bytesWritten;
    }
  }
  return total;
}

export function coalescedWriter(file: FileHandle, options: { minBytes?: number } = {}): CoalescedWriter {
  const minBytes = options.minBytes ?? 0;
  let position = 0;
  let waitingBytes = 0;
  let waiting: Array<{ chunk: Buffer; resolve: () => void; reject: (error: unknown) => void }> = [];
  let writing = false;
  let failure: unknown;
  const pump = async () => {
    writing = true;
    while (waiting.length > 0) {
      const batch = waiting;
      waiting = [];
      waitingBytes = 0;
      try {
        position += await writevFully(
          file,
          batch.map((entry) => entry.chunk),
          position,
        );
        for (const entry of batch) entry.resolve();
      } catch (error) {
        failure ??= error;
        for (const entry of [...batch, ...waiting]) entry.reject(error);
        waiting = [];
        waitingBytes = 0;
      }
    }
    writing = false;
  };
  return {
    write(chunk) {
      if (failure) return Promise.reject(failure);
      return new Promise<void>((resolve, reject) => {
        waiting.push({ chunk, resolve, reject });
        waitingBytes += chunk.length;
        if (!writing && waitingBytes >= minBytes) void pump();
      });
    },
    flush() {
      if (!writing && waiting.length > 0) void pump();
    },
  };
}
