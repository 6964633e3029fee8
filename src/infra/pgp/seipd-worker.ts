/**
 * Worker thread entry for seipd-offload.ts: runs one SEIPD transform at a time for the thread that owns it.
 * Each input chunk is answered with one `out` message (possibly no chunks): the owner counts those answers to
 * keep only a few chunks in flight. A `decryptFile` job (seipd-file.ts) is answered once, when it is done.
 */
import { parentPort } from 'node:worker_threads';
import { InnerDigester } from './inner-digest.ts';
import { type SeipdCipher, SeipdDecryptor, SeipdEncryptor } from './seipd.ts';
import { decryptFileSync, type FileDecryptionJob, type FileDecryptionResult } from './seipd-file.ts';

export type ToWorker =
  | { type: 'start'; kind: 'encrypt' | 'decrypt'; algorithm: SeipdCipher; key: Uint8Array; digestInner?: boolean }
  | { type: 'chunk'; data: Uint8Array }
  | { type: 'end' }
  | { type: 'decryptFile'; job: FileDecryptionJob }
  | { type: 'ping' };

export type FromWorker =
  | { type: 'out'; chunks: Uint8Array[]; spare?: ArrayBuffer }
  | { type: 'done'; chunks: Uint8Array[]; inner?: { digests: (Uint8Array | null)[]; contentSha256?: string } }
  | { type: 'fileDone'; result: FileDecryptionResult }
  | { type: 'error'; message: string; code?: string }
  | { type: 'pong' };

const port = parentPort;
let transform: SeipdEncryptor | SeipdDecryptor | undefined;
let digester: InnerDigester | undefined;

/** Buffers this small may be slices of Node's shared Buffer pool, which must never be transferred. */
const TRANSFERABLE = 64 * 1024;

function send(message: FromWorker, spare?: ArrayBuffer) {
  if (message.type === 'error' || message.type === 'pong' || message.type === 'fileDone') {
    port?.postMessage(message);
    return;
  }
  // Output buffers are handed over, not cloned (the transforms keep no view into what they emit), and the
  // input's buffer goes back for the next input: nothing large is left for this thread's collector, which
  // runs rarely here (little JS allocation) and would otherwise let tens of MB of dead buffers pile up.
  const transfer = new Set<ArrayBuffer>();
  for (const chunk of message.chunks) {
    if (chunk.buffer.byteLength >= TRANSFERABLE) transfer.add(chunk.buffer as ArrayBuffer);
  }
  if (spare) transfer.add(spare);
  port?.postMessage(spare ? { ...message, spare } : message, [...transfer]);
}

port?.on('message', (message: ToWorker) => {
  try {
    if (message.type === 'ping') {
      send({ type: 'pong' });
    } else if (message.type === 'decryptFile') {
      send({ type: 'fileDone', result: decryptFileSync(message.job) });
    } else if (message.type === 'start') {
      transform =
        message.kind === 'encrypt'
          ? new SeipdEncryptor(message.algorithm, message.key)
          : new SeipdDecryptor(message.algorithm, message.key);
      digester = message.kind === 'decrypt' && message.digestInner ? new InnerDigester() : undefined;
    } else if (message.type === 'chunk') {
      const chunks = transform!.push(message.data);
      for (const chunk of chunks) digester?.push(chunk);
      const spare = message.data.buffer as ArrayBuffer;
      send(
        { type: 'out', chunks },
        spare.byteLength >= TRANSFERABLE && !transfersOut(chunks, spare) ? spare : undefined,
      );
    } else {
      const chunks = transform!.end();
      for (const chunk of chunks) digester?.push(chunk);
      const inner = digester?.end();
      transform = undefined;
      digester = undefined;
      send(inner ? { type: 'done', chunks, inner } : { type: 'done', chunks });
    }
  } catch (error) {
    transform = undefined;
    digester = undefined;
    // A code only for what is not the message's fault: the output limit, a file system error (EEXIST, ENOSPC…).
    const { code, syscall } = error as { code?: unknown; syscall?: unknown };
    const kept = code === 'output_limit' || (typeof code === 'string' && typeof syscall === 'string');
    send({ type: 'error', message: (error as Error).message, ...(kept ? { code: code as string } : {}) });
  }
});

/** True when an output chunk is a view into the input's buffer (a pass-through): that buffer is not spare. */
function transfersOut(chunks: Uint8Array[], buffer: ArrayBuffer): boolean {
  return chunks.some((c) => c.buffer === buffer);
}
