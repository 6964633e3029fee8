/**
 * Socket reads into a few reused buffers once the SFTP channel is open.
 *
 * Why: Node gives every socket read a fresh 64 KB buffer. A 200 MB download is 200 MB of them, and V8 runs a
 * full collection for every ~12 MB of such external memory: about fifteen per download on the loopback bench,
 * most of the collector threads' CPU on two cores shared with sshd.
 *
 * How: the socket is created with `onread`, so Node reads into buffers from this ring, and each read is handed
 * to ssh2 as its 'data' event. A view into a reused buffer is safe only if nothing keeps it past the next few
 * reads. Under ssh2 1.x, three things could:
 * - the decipher keeps a view of a packet whose body is complete but whose tag has not arrived. A ring buffer
 *   is never handed out again while the current decipher's `_packet` points into it;
 * - protocol messages (a KEXINIT is kept for the whole key exchange) are handed to ssh2 as copies. Only
 *   CHANNEL_DATA goes through as a view, and this connection's one channel is the SFTP channel;
 * - SFTP replies: direct-data.ts copies READ data into the request's buffer, and hands ssh2's SFTP parser
 *   every other reply with its header split off. A split reply is assembled in a buffer of ssh2's own.
 * Until `enable` (handshake, authentication, opening the channel) every read is copied, as Node would.
 */
import type { Socket } from 'node:net';
import type { Client } from 'ssh2';

const READ_SIZE = 64 * 1024;
/** Two would do (one held by the decipher, one being read into); a third keeps a spare. */
const RING = 3;
const CHANNEL_DATA = 94;

interface ProtocolInternals {
  _onPayload: (payload: Buffer) => unknown;
  _decipher?: { _onPayload?: (payload: Buffer) => unknown; _packet?: Uint8Array | null };
}

export interface RingReads {
  /** For `net.connect`: reads land in the ring. */
  readonly onread: { buffer: () => Uint8Array; callback: (bytes: number, buffer: Uint8Array) => boolean };
  /** The socket created with `onread` (reads before this are kept and handed over with the first listener). */
  attach(socket: Socket): void;
  /** Hands ssh2 views of the ring from now on; false where ssh2's internals are not as expected (copies go on). */
  enable(client: Client): boolean;
  readonly stats: { views: number; copies: number };
}

export function ringReads(): RingReads {
  const ring = Array.from({ length: RING }, () => Buffer.allocUnsafeSlow(READ_SIZE));
  const stats = { views: 0, copies: 0 };
  let turn = 0;
  let socket: Socket | undefined;
  let protocol: ProtocolInternals | undefined;
  /** Reads that came before ssh2 listened. */
  let early: Buffer[] = [];

  const heldByDecipher = (buffer: Buffer) => protocol?._decipher?._packet?.buffer === buffer.buffer;

  const deliver = (chunk: Buffer) => {
    if (!socket || socket.listenerCount('data') === 0) {
      early.push(Buffer.from(chunk));
      return;
    }
    socket.emit('data', chunk);
  };

  return {
    stats,
    onread: {
      buffer: () => {
        for (let tries = 0; tries < RING; tries++) {
          const candidate = ring[turn]!;
          turn = (turn + 1) % RING;
          if (!heldByDecipher(candidate)) return candidate;
        }
        // cannot happen with one decipher view at a time; a fresh buffer is always safe
        return Buffer.allocUnsafe(READ_SIZE);
      },
      callback: (bytes, buffer) => {
        const view = Buffer.from(buffer.buffer, buffer.byteOffset, bytes);
        if (protocol) {
          stats.views++;
          deliver(view);
        } else {
          stats.copies++;
          deliver(Buffer.from(view));
        }
        return true;
      },
    },
    attach(target) {
      socket = target;
      target.on('newListener', (event) => {
        if (event !== 'data' || early.length === 0) return;
        // after the listener is in place, before the next read can come
        queueMicrotask(() => {
          const waiting = early;
          early = [];
          for (const chunk of waiting) target.emit('data', chunk);
        });
      });
    },
    enable(client) {
      const inner = (client as unknown as { _protocol?: Partial<ProtocolInternals> })._protocol;
      const decipher = inner?._decipher;
      if (
        !inner ||
        typeof inner._onPayload !== 'function' ||
        !decipher ||
        typeof decipher._onPayload !== 'function' ||
        !('_packet' in decipher)
      ) {
        return false;
      }
      const copyUnlessData =
        (next: (payload: Buffer) => unknown) =>
        (payload: Buffer): unknown =>
          next(payload[0] === CHANNEL_DATA ? payload : Buffer.from(payload));
      // deciphers made by later key exchanges take the protocol's `_onPayload`; the current one has its own
      inner._onPayload = copyUnlessData(inner._onPayload);
      decipher._onPayload = copyUnlessData(decipher._onPayload);
      protocol = inner as ProtocolInternals;
      return true;
    },
  };
}
