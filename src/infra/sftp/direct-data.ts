/**
 * Direct READ replies: the DATA reply to one of our READ requests is copied from the decrypted channel data
 * straight into the buffer the READ was issued with.
 *
 * Why: ssh2 first assembles every SFTP reply in a fresh buffer of the reply's size (a 255 KB READ reply spans
 * about eight 32 KB channel packets), then copies the data out of it into the READ's buffer. For a 200 MB download
 * that is 200 MB of short-lived large buffers: a mark-compact every ~8 MB (the external-memory trigger), page
 * faults on every fresh buffer, and a second copy of every byte. Measured on loopback it was the largest cost of a
 * download after decryption itself.
 *
 * How: a filter in front of ssh2's SFTP stream parser (`push`, fed by the client's CHANNEL_DATA handler). It
 * frames the stream itself; a DATA reply whose request ssh2 registered with a target buffer large enough for it is
 * consumed here, and its request completed exactly as ssh2's own DATA handler does. Everything else (other
 * replies, DATA without a target, malformed or oversized lengths) is handed to ssh2 unchanged, in order, so
 * ssh2's checks and errors still apply to it. Relies on two ssh2 1.x internals (`push`, `_requests`); without
 * them nothing is installed and ssh2's own path is used.
 */
import type { SFTPWrapper } from 'ssh2';

const SSH_FXP_DATA = 103;
/** uint32 length, byte type, uint32 request id, uint32 data length. */
const DATA_HEADER = 13;
/** uint32 length, byte type: enough to tell a DATA reply from the rest. */
const TYPE_HEADER = 5;

interface PendingRequest {
  buffer?: Buffer;
  cb?: (error: Error | undefined, buffer?: Buffer, bytes?: number) => void;
}

interface SftpInternals {
  push(data: Buffer | null): unknown;
  _requests: Record<number, PendingRequest>;
}

/**
 * Installs the filter on an SFTP channel; false (nothing changed) where ssh2's internals are not as expected.
 * Install only while no request is outstanding (right after the channel opened), when the stream is between
 * packets.
 */
export function installDirectReadReplies(sftp: SFTPWrapper): boolean {
  const inner = sftp as unknown as SftpInternals;
  if (typeof inner.push !== 'function' || typeof inner._requests !== 'object' || inner._requests === null) {
    return false;
  }
  const parse = inner.push.bind(inner);
  const header = Buffer.alloc(DATA_HEADER);
  let headerBytes = 0;
  /** Bytes of the current packet still to be handed to ssh2 as they come. */
  let passOn = 0;
  /** The DATA reply being copied into its request's buffer. */
  let direct: { id: number; request: PendingRequest; target: Buffer; length: number; filled: number } | undefined;

  // ssh2 may keep views of what it is given (a HANDLE reply's handle is one), so the header goes out as a copy
  const handOver = (bytes: number, rest: number): unknown => {
    passOn = rest;
    headerBytes = 0;
    return parse(Buffer.from(header.subarray(0, bytes)));
  };

  inner.push = (data: Buffer | null): unknown => {
    if (data === null) return parse(null);
    let at = 0;
    while (at < data.length) {
      if (passOn > 0) {
        const take = Math.min(passOn, data.length - at);
        passOn -= take;
        const result = parse(at === 0 && take === data.length ? data : data.subarray(at, at + take));
        at += take;
        if (result === false) return false;
        continue;
      }
      if (direct) {
        const take = Math.min(direct.length - direct.filled, data.length - at);
        data.copy(direct.target, direct.filled, at, at + take);
        direct.filled += take;
        at += take;
        if (direct.filled === direct.length) {
          const { id, request, length } = direct;
          direct = undefined;
          // a channel failure meanwhile has already failed the request (ssh2 swaps the whole table)
          if (inner._requests[id] === request) {
            delete inner._requests[id];
            request.cb?.(undefined, request.buffer, length);
          }
        }
        continue;
      }
      const want = headerBytes < TYPE_HEADER ? TYPE_HEADER : DATA_HEADER;
      const take = Math.min(want - headerBytes, data.length - at);
      data.copy(header, headerBytes, at, at + take);
      headerBytes += take;
      at += take;
      if (headerBytes < want) continue;
      const packetLength = header.readUInt32BE(0);
      if (headerBytes === TYPE_HEADER) {
        if (header[4] !== SSH_FXP_DATA || packetLength < DATA_HEADER - 4) {
          if (handOver(TYPE_HEADER, Math.max(packetLength - 1, 0)) === false) return false;
        }
        continue;
      }
      const id = header.readUInt32BE(5);
      const length = header.readUInt32BE(9);
      const request = inner._requests[id];
      const target = request?.buffer;
      if (!request || !target || typeof request.cb !== 'function' || packetLength !== 9 + length) {
        if (handOver(DATA_HEADER, packetLength + 4 - DATA_HEADER) === false) return false;
        continue;
      }
      if (length > target.length) {
        // ssh2 reports it ("Received more data than requested"); let it
        if (handOver(DATA_HEADER, packetLength + 4 - DATA_HEADER) === false) return false;
        continue;
      }
      headerBytes = 0;
      if (length > 0) {
        direct = { id, request, target, length, filled: 0 };
      } else {
        delete inner._requests[id];
        request.cb?.(undefined, target, 0);
      }
    }
    return undefined;
  };
  return true;
}
