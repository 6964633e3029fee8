/**
 * A loopback TCP proxy that makes a loopback server look like one across a WAN, for tests and benchmarks.
 * Listens on 127.0.0.1 (free port) and forwards each accepted connection to `target` (also loopback), with:
 * - `delayMs`: one-way delay added to every chunk, each direction (order kept);
 * - `bytesPerSecond`: a bandwidth cap, each direction;
 * - `fragment`: deliver what arrives in pieces, each piece its own write after a short gap, so the far side
 *   reads them separately (loopback otherwise hands over two SSH packets sent together in one read, which a WAN
 *   does not). With `fragment: 'ssh'` the proxy finds SSH binary-packet boundaries (RFC 4253 section 6: the
 *   version line, then `uint32 length` + payload; after NEWKEYS, `aes*-gcm@openssh.com` keeps the length in
 *   clear and adds a 16-byte tag) and delivers every packet in its own write and every `splitEvery`-th packet
 *   in two writes. When the stream stops looking like that (another cipher), it falls back to `'bytes'`:
 *   every chunk in up to four pieces of uneven size, except the version line, delivered whole (it is one segment
 *   on any network, and ssh2 1.17 loses the middle of one that arrives in three or more reads);
 * - `blackHole()`: stop forwarding and drop what arrives, sockets left open (a link that silently died);
 * - `reset()`: destroy both sides of every connection (RST where Node can send one).
 * It only reads lengths to decide where to cut; it never decrypts or alters a byte.
 * Bounded: at most `maxQueuedBytes` held per direction (the sender is paused above it), and the proxy closes
 * itself after `lifetimeMs` (default 120 s) so a forgotten one cannot outlive its test. `close()` ends it.
 *
 * @example
 *   const proxy = await startWanProxy({ target: { port: sshd.port }, fragment: 'ssh' });
 *   ... bank config with sftp_port: proxy.port ...
 *   await proxy.close();
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

export type FragmentMode = false | 'bytes' | 'ssh';

export interface WanProxyOptions {
  target: { host?: string; port: number };
  delayMs?: number;
  bytesPerSecond?: number;
  fragment?: FragmentMode;
  /** With `fragment: 'ssh'`: every n-th packet goes in two writes (default 3). */
  splitEvery?: number;
  /** Pause between the writes of a fragmented delivery (default 1 ms: long enough for the reader to wake). */
  gapMs?: number;
  maxQueuedBytes?: number;
  lifetimeMs?: number;
}

export interface WanProxyStats {
  connections: number;
  /** Bytes forwarded client -> server and server -> client. */
  bytesUp: number;
  bytesDown: number;
  /** Separate writes made to deliver fragmented data, and how many SSH packets went in two writes. */
  writes: number;
  splitPackets: number;
  /** SSH packets delivered whole-by-boundary (fragment 'ssh'); 0 if the stream fell back to 'bytes'. */
  sshPackets: number;
  fellBackToBytes: number;
}

export interface WanProxy {
  host: '127.0.0.1';
  port: number;
  /** Changes delay, bandwidth or fragmentation for data that arrives from now on. */
  set(options: Partial<Omit<WanProxyOptions, 'target' | 'lifetimeMs' | 'maxQueuedBytes'>>): void;
  blackHole(on?: boolean): void;
  reset(): void;
  stats(): WanProxyStats;
  close(): Promise<void>;
}

const SSH_MSG_NEWKEYS = 21;
const GCM_TAG = 16;
/** RFC 4253 6.1: implementations must handle 35,000-byte packets; OpenSSH sends up to 256 KB. */
const MAX_PLAUSIBLE_PACKET = 256 * 1024 + 64;

/** Cuts one direction's byte stream into SSH packets while it parses as one, else returns null. */
class SshFramer {
  #buffer: Buffer = Buffer.alloc(0);
  #phase: 'version' | 'plain' | 'gcm' = 'version';

  /** Complete units found so far; leaves an incomplete tail buffered. Null: not framable, caller takes over. */
  push(data: Buffer): Buffer[] | null {
    this.#buffer = this.#buffer.length === 0 ? data : Buffer.concat([this.#buffer, data]);
    const units: Buffer[] = [];
    for (;;) {
      if (this.#phase === 'version') {
        const newline = this.#buffer.indexOf(0x0a);
        if (newline < 0) {
          if (this.#buffer.length > 8192) return null;
          break;
        }
        const line = this.#buffer.subarray(0, newline + 1);
        if (line.subarray(0, 4).toString('latin1') === 'SSH-') this.#phase = 'plain';
        units.push(line);
        this.#buffer = this.#buffer.subarray(newline + 1);
        continue;
      }
      if (this.#buffer.length < 6) break;
      const length = this.#buffer.readUInt32BE(0);
      const plain = this.#phase === 'plain';
      const sane = plain ? (4 + length) % 8 === 0 : length % 16 === 0;
      if (!sane || length < 12 || length > MAX_PLAUSIBLE_PACKET) return null;
      const total = 4 + length + (plain ? 0 : GCM_TAG);
      if (this.#buffer.length < total) break;
      if (plain && this.#buffer[5] === SSH_MSG_NEWKEYS) this.#phase = 'gcm';
      units.push(this.#buffer.subarray(0, total));
      this.#buffer = this.#buffer.subarray(total);
    }
    return units;
  }

  /** What is buffered but not yet a complete unit (handed over when falling back). */
  takeRest(): Buffer {
    const rest = this.#buffer;
    this.#buffer = Buffer.alloc(0);
    return rest;
  }
}

const BYTE_PIECES = [0.1, 0.35, 0.3, 0.25];

function bytePieces(data: Buffer): Buffer[] {
  if (data.length < 8) return [data];
  const pieces: Buffer[] = [];
  let offset = 0;
  for (const share of BYTE_PIECES) {
    const end =
      share === BYTE_PIECES.at(-1)
        ? data.length
        : Math.min(data.length, offset + Math.max(1, Math.floor(data.length * share)));
    if (end > offset) pieces.push(data.subarray(offset, end));
    offset = end;
  }
  return pieces;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startWanProxy(options: WanProxyOptions): Promise<WanProxy> {
  const settings = {
    delayMs: options.delayMs ?? 0,
    bytesPerSecond: options.bytesPerSecond ?? 0,
    fragment: options.fragment ?? (false as FragmentMode),
    splitEvery: options.splitEvery ?? 3,
    gapMs: options.gapMs ?? 1,
  };
  const maxQueued = options.maxQueuedBytes ?? 8 * 1024 * 1024;
  const stats: WanProxyStats = {
    connections: 0,
    bytesUp: 0,
    bytesDown: 0,
    writes: 0,
    splitPackets: 0,
    sshPackets: 0,
    fellBackToBytes: 0,
  };
  let holed = false;
  let closed = false;
  const sockets = new Set<Socket>();

  /** One direction: queued chunks delivered in order, each no earlier than its arrival + delay. */
  function pipe(from: Socket, to: Socket, count: (n: number) => void): void {
    const queue: Array<{ data: Buffer; readyAt: number }> = [];
    let queued = 0;
    let pumping = false;
    let framer: SshFramer | null = new SshFramer();
    let packetNo = 0;
    let versionSent = false;

    const write = (piece: Buffer) =>
      new Promise<void>((resolve) => {
        if (to.destroyed || holed) return resolve();
        count(piece.length);
        to.write(piece, () => resolve());
      });

    /** The writes one arrival becomes, after framing. */
    const deliveries = (data: Buffer): Array<{ pieces: Buffer[]; split: boolean }> => {
      if (settings.fragment === false) return [{ pieces: [data], split: false }];
      if (settings.fragment === 'ssh' && framer) {
        const units = framer.push(data);
        if (units) {
          return units.map((unit) => {
            stats.sshPackets++;
            packetNo++;
            const split = packetNo % settings.splitEvery === 0 && unit.length >= 2;
            const half = Math.floor(unit.length / 2);
            return { pieces: split ? [unit.subarray(0, half), unit.subarray(half)] : [unit], split };
          });
        }
        stats.fellBackToBytes++;
        const rest = framer.takeRest();
        framer = null;
        versionSent = true;
        return [{ pieces: bytePieces(rest), split: false }];
      }
      if (!versionSent) {
        const newline = data.indexOf(0x0a);
        if (newline < 0) return [{ pieces: [data], split: false }];
        versionSent = true;
        return [{ pieces: [data.subarray(0, newline + 1), ...bytePieces(data.subarray(newline + 1))], split: false }];
      }
      return [{ pieces: bytePieces(data), split: false }];
    };

    const pump = async () => {
      if (pumping) return;
      pumping = true;
      try {
        while (queue.length > 0 && !to.destroyed) {
          const { data, readyAt } = queue.shift()!;
          const wait = readyAt - Date.now();
          if (wait > 0) await sleep(wait);
          for (const { pieces, split } of deliveries(data)) {
            if (split) stats.splitPackets++;
            for (const piece of pieces) {
              if (settings.bytesPerSecond > 0) await sleep((piece.length / settings.bytesPerSecond) * 1000);
              await write(piece);
              if (settings.fragment !== false) {
                stats.writes++;
                await sleep(settings.gapMs);
              }
            }
          }
          queued -= data.length;
          if (queued <= maxQueued / 2 && from.isPaused()) from.resume();
        }
      } finally {
        pumping = false;
      }
    };

    from.on('data', (data: Buffer) => {
      if (holed || closed) return;
      queue.push({ data, readyAt: Date.now() + settings.delayMs });
      queued += data.length;
      if (queued > maxQueued) from.pause();
      void pump();
    });
    from.on('end', () => {
      const finish = () => (queue.length === 0 && !pumping ? to.end() : setTimeout(finish, 5));
      finish();
    });
  }

  const destroy = (socket: Socket) => {
    if (typeof socket.resetAndDestroy === 'function' && !socket.destroyed && !socket.connecting) {
      socket.resetAndDestroy();
    } else socket.destroy();
  };

  const server: Server = createServer((client) => {
    if (closed) return client.destroy();
    stats.connections++;
    const upstream = tcpConnect({ host: options.target.host ?? '127.0.0.1', port: options.target.port });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        (s === client ? upstream : client).destroy();
      });
    }
    pipe(client, upstream, (n) => {
      stats.bytesUp += n;
    });
    pipe(upstream, client, (n) => {
      stats.bytesDown += n;
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('wan proxy: no port');

  const close = async () => {
    if (closed) return;
    closed = true;
    clearTimeout(lifetime);
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const lifetime = setTimeout(() => void close(), options.lifetimeMs ?? 120_000);
  lifetime.unref();

  return {
    host: '127.0.0.1',
    port: address.port,
    set(change) {
      Object.assign(settings, Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)));
    },
    blackHole(on = true) {
      holed = on;
    },
    reset() {
      for (const s of sockets) destroy(s);
    },
    stats: () => ({ ...stats }),
    close,
  };
}
