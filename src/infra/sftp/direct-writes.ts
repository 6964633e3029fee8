/**
 * SFTP WRITE requests built in reused buffers.
 *
 * Why: ssh2's `write` builds every WRITE message in a fresh buffer the size of the request (256 KB here), copies
 * the data in, and lets the collector have it once sent. For a 200 MB upload that is another 200 MB of
 * short-lived external buffers on top of the packets (see packet-recycling.ts). Together they were most of the
 * collector's work during an upload.
 *
 * How: a message buffer belongs to its request until the server's STATUS reply. By then every byte of it has
 * gone out, so it goes back to this writer's free list. The message is sent the way ssh2 sends its own: as much
 * as the channel window allows, in channel packets of at most the peer's packet size, and the rest queued on the
 * channel's own buffer. That queue is drained, in order, when the window opens. The drain here mirrors ssh2's
 * `tryWritePayload` / `drainBuffer` and shares their state (`_buffer`, `_waitWindow`, `_chunkcb`), so requests
 * ssh2 sends itself on the same channel keep their order. The reply goes through ssh2's request table, so
 * status codes, errors and a channel closing fail a request exactly as for ssh2's own WRITE.
 *
 * Relies on ssh2 1.x SFTP internals. Where they are missing, `directWriter` returns undefined and the caller
 * uses ssh2's `write`.
 */
import type { SFTPWrapper } from 'ssh2';

const SSH_FXP_WRITE = 6;
/** ssh2's request id counter wraps with this mask; ids are shared with ssh2's own requests. */
const MAX_REQID = 2 ** 32 - 1;
/** uint32 length, byte type, uint32 id, uint32 handle length; then handle, uint64 offset, uint32 data length. */
const FIXED_HEADER = 4 + 1 + 4 + 4 + 8 + 4;

interface ChannelOutgoing {
  id: number;
  window: number;
  packetSize: number;
  state: string;
}

interface SftpInternals {
  outgoing: ChannelOutgoing;
  _protocol: { channelData(channel: number, data: Buffer): void };
  _requests: Record<number, { cb?: (error?: Error) => void }>;
  _writeReqid: number;
  _maxWriteLen: number;
  _buffer: Buffer[];
  _waitWindow: boolean;
  _chunkcb: (() => void) | undefined;
}

export interface DirectWriter {
  /**
   * Sends one WRITE of `data` at `position`; `data` is copied before this returns. `done` runs with the server's
   * reply (an error for any status but OK).
   */
  write(handle: Buffer, data: Buffer, position: number, done: (error?: Error) => void): void;
  /** Requests sent this way (a test checks the fast path is really taken). */
  readonly sent: number;
}

function internalsOf(sftp: SFTPWrapper): SftpInternals | undefined {
  const inner = sftp as unknown as Partial<SftpInternals>;
  const out = inner.outgoing;
  const usable =
    typeof out === 'object' &&
    out !== null &&
    typeof out.id === 'number' &&
    typeof out.window === 'number' &&
    typeof out.packetSize === 'number' &&
    typeof inner._protocol?.channelData === 'function' &&
    typeof inner._requests === 'object' &&
    inner._requests !== null &&
    typeof inner._writeReqid === 'number' &&
    typeof inner._maxWriteLen === 'number' &&
    Array.isArray(inner._buffer);
  return usable ? (inner as SftpInternals) : undefined;
}

/** A writer for one transfer; its free buffers go with it. Undefined where ssh2's internals are not as expected. */
export function directWriter(sftp: SFTPWrapper): DirectWriter | undefined {
  const inner = internalsOf(sftp);
  if (!inner) return undefined;
  const out = inner.outgoing;

  /** Sends what the window allows; returns the part that must wait for it. */
  const trySend = (payload: Buffer): Buffer | undefined => {
    // ssh2 drops data for a channel that is no longer open; the request then fails as the channel closes
    if (out.state !== 'open') return undefined;
    let at = 0;
    while (at < payload.length && out.window > 0) {
      const length = Math.min(payload.length - at, out.window, out.packetSize);
      out.window -= length;
      inner._protocol.channelData(
        out.id,
        at === 0 && length === payload.length ? payload : payload.subarray(at, at + length),
      );
      at += length;
    }
    if (out.window === 0) {
      inner._waitWindow = true;
      inner._chunkcb = drain;
    }
    return at < payload.length ? payload.subarray(at) : undefined;
  };

  // runs when the window opens (ssh2 calls `_chunkcb`), whichever of this and ssh2's own drain was set last
  function drain(): void {
    inner!._chunkcb = undefined;
    const queue = inner!._buffer;
    let sent = 0;
    while (sent < queue.length) {
      const rest = trySend(queue[sent]!);
      if (rest !== undefined) {
        queue[sent] = rest;
        if (sent > 0) inner!._buffer = queue.slice(sent);
        return;
      }
      sent++;
    }
    if (sent > 0) inner!._buffer = [];
  }

  const free: Buffer[] = [];
  let sent = 0;
  return {
    get sent() {
      return sent;
    },
    write(handle, data, position, done) {
      if (data.length > inner._maxWriteLen) {
        throw new RangeError(`WRITE of ${data.length} bytes exceeds the server's limit of ${inner._maxWriteLen}`);
      }
      const length = FIXED_HEADER + handle.length + data.length;
      let message = free.pop();
      if (!message || message.length < length) message = Buffer.allocUnsafeSlow(length);
      const payload = message.subarray(0, length);
      payload.writeUInt32BE(length - 4, 0);
      payload[4] = SSH_FXP_WRITE;
      inner._writeReqid = (inner._writeReqid + 1) & MAX_REQID;
      const id = inner._writeReqid;
      payload.writeUInt32BE(id >>> 0, 5);
      payload.writeUInt32BE(handle.length, 9);
      handle.copy(payload, 13);
      const at = 13 + handle.length;
      payload.writeUInt32BE(Math.floor(position / 2 ** 32), at);
      payload.writeUInt32BE(position >>> 0, at + 4);
      payload.writeUInt32BE(data.length, at + 8);
      data.copy(payload, at + 12);
      const owned = message;
      inner._requests[id] = {
        cb: (error) => {
          // after an error the channel may still hold part of the message: the buffer is not reused
          if (!error) free.push(owned);
          done(error);
        },
      };
      sent++;
      // ssh2 keeps its queue only while the window is shut, so a non-empty queue means this waits behind it
      const rest = inner._buffer.length > 0 ? payload : trySend(payload);
      if (rest !== undefined) inner._buffer.push(rest);
    },
  };
}
