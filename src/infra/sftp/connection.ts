/**
 * One authenticated SSH connection with its SFTP channel, for one bank. Every SFTP request carries a timeout: a
 * request without a reply in `operationMs` fails with `timeout` (retry_now) and the connection is destroyed, since
 * a late reply would arrive for a request nobody waits for. Sockets are opened here (not inside ssh2) so the
 * connect timeout, refusal and socket accounting are ours.
 *
 * @example
 *   const conn = await openSftpConnection(bank, { getSecret });
 *   try { console.log(await conn.stat('/incoming/payments')); } finally { await conn.close(); }
 */
import { connect as netConnect, type Socket } from 'node:net';
import ssh2, { type Client, type ConnectConfig, type FileEntryWithStats, type SFTPWrapper, type Stats } from 'ssh2';
import type { BankConfig } from '../config/schema.ts';
import { installDirectReadReplies } from './direct-data.ts';
import { directWriter } from './direct-writes.ts';
import { classifySftpError, sftpError } from './errors.ts';
import { fingerprintOf, type HostKeyPolicy, hostKeyPolicy, matchesPin } from './host-key.ts';
import { type PacketRecycler, packetRecycler } from './packet-recycling.ts';
import { type RingReads, ringReads } from './ring-reads.ts';

export type GetSecret = (name: string) => Promise<string>;

export interface SftpTimeouts {
  connectMs: number;
  keepaliveMs: number;
  operationMs: number;
}

export const DEFAULT_TIMEOUTS: SftpTimeouts = { connectMs: 30_000, keepaliveMs: 30_000, operationMs: 120_000 };

/** The bank fields a connection needs (BankConfig satisfies it). */
export type SftpBank = Pick<
  BankConfig,
  | 'bank_code'
  | 'sftp_host'
  | 'sftp_port'
  | 'sftp_username'
  | 'auth'
  | 'host_key_sha256'
  | 'insecure_accept_any_host_key'
  | 'algorithms'
>;

export interface ConnectOptions {
  getSecret: GetSecret;
  /**
   * The secret store read past its cache: the pool uses it once when the server refuses authentication, so a
   * password or key rotated since it was cached is picked up before the bank goes to manual intervention.
   */
  getFreshSecret?: GetSecret;
  timeouts?: Partial<SftpTimeouts>;
  /** Pins added to the bank's own, e.g. `sandboxHostKeyPins(bank, dir)` for a sandbox bank. */
  extraPins?: string[];
  /** Ciphers put first in our offer (the benchmark uses it to compare like with like). */
  preferCiphers?: string[];
  /**
   * Record what the server offers in its KEXINIT (`HandshakeObservation.serverOffer`), so a refused handshake can
   * say what the server wanted: the connection test sets it; pooled connections do not pay for ssh2's debug log.
   */
  observeOffer?: boolean;
}

/**
 * SHA-1 `ssh-rsa` host key signatures are refused unless the bank's `algorithms.serverHostKey` lists `ssh-rsa`
 * (as OpenSSH's client does since 8.8); RSA host keys still work through rsa-sha2-256/512.
 */
export const SHA1_HOST_KEY_ALGORITHMS = ['ssh-rsa'];

export interface NegotiatedAlgorithms {
  kex: string;
  serverHostKey: string;
  cipher: string;
  mac: string;
  compress: string;
}

let liveSockets = 0;
/** Sockets opened by this module and not yet closed: the leak check of the pool tests and a metric. */
export function openSocketCount(): number {
  return liveSockets;
}

type Callback<T> = (error: Error | null | undefined, value: T) => void;

export interface BulkWriter {
  write(data: Buffer, position: number): Promise<void>;
  end(): void;
  /**
   * What took the fast path: WRITE requests built by this writer; large packets in fresh or reused buffers and the
   * ciphers they were recycled under (one more per rekey), since the connection's first open writer.
   */
  stats(): { directWrites: number; packetsFresh: number; packetsReused: number; ciphers: number };
}

export class SftpConnection {
  private isBroken = false;
  private closed: Promise<void>;
  /** Requests waiting for a reply, failed at once when the socket closes. */
  private readonly waiting = new Set<() => void>();
  /** Outgoing packets in reused buffers while any bulk writer is open (one at a time: it wraps the cipher). */
  private recycler: PacketRecycler | undefined;
  private bulkWriters = 0;

  constructor(
    readonly bankCode: string,
    private readonly client: Client,
    private readonly socket: Socket,
    private readonly sftp: SFTPWrapper,
    readonly info: {
      serverBanner: string;
      algorithms: NegotiatedAlgorithms;
      hostKeyFingerprint: string;
      extensions: Record<string, string>;
    },
    readonly operationMs: number,
    /** Socket reads handed to ssh2 as views of reused buffers, and as copies (ring-reads.ts). */
    readonly readStats: { views: number; copies: number } = { views: 0, copies: 0 },
  ) {
    this.closed = new Promise((resolve) => {
      if (socket.destroyed) resolve();
      else socket.once('close', () => resolve());
    });
    socket.once('close', () => {
      for (const fail of [...this.waiting]) fail();
    });
    const markBroken = () => {
      this.isBroken = true;
    };
    client.on('close', markBroken);
    client.on('end', markBroken);
    client.on('error', (error: Error) => {
      this.fatal ??= error;
      markBroken();
    });
    sftp.on('close', markBroken);
    sftp.on('error', markBroken);
  }

  /** The first error ssh2 reported on the connection: the cause of every request it makes fail. */
  private fatal: Error | undefined;

  /** Broken connections are never handed out again (timed out, closed by the server, protocol error). */
  get broken(): boolean {
    return this.isBroken || this.socket.destroyed;
  }

  hasExtension(name: string): boolean {
    return name in this.info.extensions;
  }

  /** Largest payload per WRITE / READ request the server accepts (limits@openssh.com where offered). */
  get maxWriteLength(): number {
    return (this.sftp as unknown as { _maxWriteLen: number })._maxWriteLen;
  }
  get maxReadLength(): number {
    return (this.sftp as unknown as { _maxReadLen: number })._maxReadLen;
  }

  /** Closes the SSH connection and resolves once the socket is really closed. */
  async close(): Promise<void> {
    this.isBroken = true;
    if (!this.socket.destroyed) {
      try {
        this.client.end();
      } catch {
        // ending a half-dead client may throw; the destroy below still closes the socket
      }
      const force = setTimeout(() => this.socket.destroy(), 2_000);
      force.unref();
      await this.closed;
      clearTimeout(force);
    }
  }

  destroy(): void {
    this.isBroken = true;
    this.socket.destroy();
  }

  /** Runs one SFTP request with the operation timeout; errors come back classified. */
  request<T>(what: string, path: string, start: (callback: Callback<T>) => void): Promise<T> {
    if (this.broken) {
      return Promise.reject(sftpError('connection_lost', `${what} ${path}: connection is closed`, { path }));
    }
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        this.waiting.delete(onClose);
        this.destroy();
        reject(sftpError('timeout', `${what} ${path}: no reply within ${this.operationMs} ms`, { path }));
      }, this.operationMs);
      const onClose = () => finish(sftpError('connection_lost', `${what} ${path}: connection closed`, { path }));
      const finish = (error: unknown, value?: T) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.waiting.delete(onClose);
        if (!error) {
          resolve(value as T);
          return;
        }
        // A request failed by the connection going down ("No response from server") says nothing of why: the
        // connection's own error (a protocol error, a reset) is the cause, and ssh2 may report it a tick later.
        const classify = () => {
          const failed = classifySftpError(error, `${what} ${path}`, { path, bank: this.bankCode });
          if (this.fatal && failed.code === 'connection_lost') {
            return classifySftpError(this.fatal, `${what} ${path}: connection lost`, { path, bank: this.bankCode });
          }
          return failed;
        };
        if (this.fatal || !this.broken) reject(classify());
        else setImmediate(() => reject(classify()));
      };
      this.waiting.add(onClose);
      try {
        start((error, value) => finish(error, value));
      } catch (error) {
        finish(error);
      }
    });
  }

  stat(path: string): Promise<Stats> {
    return this.request('stat', path, (cb) => this.sftp.stat(path, cb));
  }

  /** stat, with a missing path as `undefined` instead of an error. */
  async statIfExists(path: string): Promise<Stats | undefined> {
    try {
      return await this.stat(path);
    } catch (error) {
      if ((error as { code?: string }).code === 'no_such_path') return undefined;
      throw error;
    }
  }

  open(path: string, flags: 'r' | 'w' | 'wx'): Promise<Buffer> {
    return this.request('open', path, (cb) => this.sftp.open(path, flags, 0o640, cb));
  }

  closeHandle(handle: Buffer, path: string): Promise<void> {
    return this.request('close', path, (cb) => this.sftp.close(handle, (e) => cb(e, undefined)));
  }

  fstat(handle: Buffer, path: string): Promise<Stats> {
    return this.request('fstat', path, (cb) => this.sftp.fstat(handle, cb));
  }

  write(handle: Buffer, data: Buffer, position: number, path: string): Promise<void> {
    return this.request('write', path, (cb) =>
      this.sftp.write(handle, data, 0, data.length, position, (e) => cb(e, undefined)),
    );
  }

  /**
   * Writes for one file: WRITE messages and outgoing packets in reused buffers (direct-writes.ts,
   * packet-recycling.ts), or ssh2's own `write` where its internals are not as expected. Each write's data may
   * be reused as soon as `write` returns. `end` when the file is written.
   */
  bulkWriter(handle: Buffer, path: string): BulkWriter {
    const direct = directWriter(this.sftp);
    if (!direct) {
      return {
        write: (data, position) => this.write(handle, data, position, path),
        end: () => {},
        stats: () => ({ directWrites: 0, packetsFresh: 0, packetsReused: 0, ciphers: 0 }),
      };
    }
    if (this.bulkWriters++ === 0 || !this.recycler) this.recycler = packetRecycler(this.client, this.socket);
    const recycler = this.recycler;
    let ended = false;
    return {
      write: (data, position) =>
        this.request('write', path, (cb) => {
          // a rekey may have replaced the cipher since the last write
          recycler.refresh();
          direct.write(handle, data, position, (error) => cb(error, undefined));
        }),
      end: () => {
        if (ended) return;
        ended = true;
        if (--this.bulkWriters === 0) recycler.uninstall();
      },
      stats: () => ({
        directWrites: direct.sent,
        packetsFresh: recycler.stats.fresh,
        packetsReused: recycler.stats.reused,
        ciphers: recycler.stats.ciphers,
      }),
    };
  }

  /**
   * Runs `send` with the socket corked, so the requests it issues leave in one write: on loopback each socket
   * write wakes the server on its own, and one per READ request was a visible share of a download's time.
   */
  batch(send: () => void): void {
    this.socket.cork();
    try {
      send();
    } finally {
      this.socket.uncork();
    }
  }

  /** Reads up to `length` bytes at `position`; 0 bytes at end of file. */
  read(handle: Buffer, length: number, position: number, path: string): Promise<Buffer> {
    return this.readInto(handle, Buffer.allocUnsafe(length), position, path);
  }

  /** Reads up to `target.length` bytes at `position` into `target`; the filled part (empty at end of file). */
  readInto(handle: Buffer, target: Buffer, position: number, path: string): Promise<Buffer> {
    const buffer = target;
    return this.request<Buffer>('read', path, (cb) =>
      this.sftp.read(handle, buffer, 0, buffer.length, position, (error, bytesRead) => {
        // ssh2 reports end of file as an error with the SFTP EOF status (1)
        if (error && (error as { code?: unknown }).code === 1) cb(null, buffer.subarray(0, 0));
        else cb(error, buffer.subarray(0, bytesRead ?? 0));
      }),
    );
  }

  readdir(path: string): Promise<FileEntryWithStats[]> {
    return this.request('readdir', path, (cb) => this.sftp.readdir(path, cb));
  }

  /** Rename; uses posix-rename@openssh.com where the server offers it (atomic on the server's filesystem). */
  rename(from: string, to: string): Promise<void> {
    if (this.hasExtension('posix-rename@openssh.com')) {
      return this.request('rename', from, (cb) => this.sftp.ext_openssh_rename(from, to, (e) => cb(e, undefined)));
    }
    return this.request('rename', from, (cb) => this.sftp.rename(from, to, (e) => cb(e, undefined)));
  }

  unlink(path: string): Promise<void> {
    return this.request('remove', path, (cb) => this.sftp.unlink(path, (e) => cb(e, undefined)));
  }

  realpath(path: string): Promise<string> {
    return this.request('realpath', path, (cb) => this.sftp.realpath(path, cb));
  }
}

async function credentials(bank: SftpBank, getSecret: GetSecret): Promise<Partial<ConnectConfig>> {
  const secret = async (name: string) => {
    try {
      return await getSecret(name);
    } catch (error) {
      if (error instanceof Error && 'retryClass' in error) throw error;
      throw sftpError(
        'credentials_unavailable',
        `bank ${bank.bank_code}: secret ${name} is not available`,
        { bank: bank.bank_code, secret: name },
        error,
      );
    }
  };
  if (bank.auth.method === 'password') return { password: await secret(bank.auth.password_secret) };
  const privateKey = await secret(bank.auth.private_key_secret);
  const passphrase = bank.auth.passphrase_secret ? await secret(bank.auth.passphrase_secret) : undefined;
  return { privateKey, ...(passphrase === undefined ? {} : { passphrase }) };
}

function algorithmsFor(bank: SftpBank, preferCiphers: string[] | undefined): ConnectConfig['algorithms'] {
  const extra = bank.algorithms ?? {};
  const list = (append: string[] | undefined, prepend?: string[]) =>
    append || prepend ? { append: append ?? [], prepend: prepend ?? [], remove: [] } : undefined;
  const algorithms: Record<string, unknown> = {};
  const kex = list(extra.kex);
  const sha1HostKeys = SHA1_HOST_KEY_ALGORITHMS.filter((a) => !extra.serverHostKey?.includes(a));
  const serverHostKey = {
    append: extra.serverHostKey ?? [],
    prepend: [],
    remove: sha1HostKeys,
  };
  const cipher = list(extra.cipher, preferCiphers);
  const hmac = list(extra.hmac);
  if (kex) algorithms.kex = kex;
  algorithms.serverHostKey = serverHostKey;
  if (cipher) algorithms.cipher = cipher;
  if (hmac) algorithms.hmac = hmac;
  return algorithms as ConnectConfig['algorithms'];
}

function openSocket(host: string, port: number, timeoutMs: number, what: string, reads: RingReads): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port, onread: reads.onread });
    reads.attach(socket);
    liveSockets++;
    socket.once('close', () => {
      liveSockets--;
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(sftpError('timeout', `${what}: no TCP connection within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(classifySftpError(error, what));
    });
  });
}

export interface HandshakeObservation {
  /** The server's host key fingerprint, known even when the connection was refused for a mismatch. */
  hostKeyFingerprint?: string;
  hostKeyMatched?: boolean;
  /** With `observeOffer`: the server's KEXINIT lists (`kex`, `hostKey`, `cipher`, `mac`), comma-separated. */
  serverOffer?: Record<string, string>;
}

// ssh2's debug lines carrying the server's KEXINIT lists
const OFFER_LINE = /^Handshake: \(remote\) (KEX method|Host key format|C->S cipher|C->S MAC): (.*)$/;
const OFFER_KEYS: Record<string, string> = {
  'KEX method': 'kex',
  'Host key format': 'hostKey',
  'C->S cipher': 'cipher',
  'C->S MAC': 'mac',
};

/**
 * Connects, verifies the host key against the pins, authenticates and opens the SFTP subsystem. Resolves only
 * with a usable connection; every failure is a classified OperationalError.
 */
export async function openSftpConnection(
  bank: SftpBank,
  options: ConnectOptions,
  observe: HandshakeObservation = {},
): Promise<SftpConnection> {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const what = `bank ${bank.bank_code} (${bank.sftp_host}:${bank.sftp_port})`;
  const policy: HostKeyPolicy = hostKeyPolicy(bank, { extraPins: options.extraPins ?? [] });
  const auth = await credentials(bank, options.getSecret);
  const reads = ringReads();
  const socket = await openSocket(bank.sftp_host, bank.sftp_port, timeouts.connectMs, what, reads);
  const client = new ssh2.Client();
  let banner = '';
  let negotiated: NegotiatedAlgorithms | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('error', (error) => {
        if (observe.hostKeyMatched === false) {
          reject(
            sftpError(
              'host_key_mismatch',
              `${what}: host key ${observe.hostKeyFingerprint} matches none of the pinned fingerprints; ` +
                'connection refused (verify the new key with the bank before changing host_key_sha256)',
              { bank: bank.bank_code, fingerprint: observe.hostKeyFingerprint },
            ),
          );
        } else {
          const offer = observe.serverOffer ?? {};
          const parts = [
            offer.hostKey && `host keys: ${offer.hostKey}`,
            offer.kex && `kex: ${offer.kex}`,
            offer.cipher && `ciphers: ${offer.cipher}`,
          ].filter(Boolean);
          const offered = parts.length > 0 ? ` (server offers ${parts.join('; ')})` : '';
          reject(classifySftpError(error, `${what}${offered}`, { bank: bank.bank_code }));
        }
      });
      client.once('close', () => reject(sftpError('connection_lost', `${what}: connection closed during handshake`)));
      client.on('handshake', (n) => {
        negotiated = {
          kex: n.kex,
          serverHostKey: n.serverHostKey,
          cipher: n.cs.cipher,
          mac: n.cs.mac,
          compress: n.cs.compress,
        };
      });
      try {
        client.connect({
          sock: socket,
          username: bank.sftp_username,
          ...auth,
          readyTimeout: timeouts.connectMs,
          keepaliveInterval: timeouts.keepaliveMs,
          keepaliveCountMax: 3,
          algorithms: algorithmsFor(bank, options.preferCiphers),
          ...(options.observeOffer
            ? {
                debug: (line: string) => {
                  const match = OFFER_LINE.exec(line);
                  if (match?.[1] && match[2] !== undefined) {
                    // kex-strict-*, ext-info-* are protocol markers, not algorithms anyone configures
                    const listed = match[2].split(',').filter((a) => !/^(kex-strict-|ext-info-)/.test(a));
                    observe.serverOffer = {
                      ...observe.serverOffer,
                      [OFFER_KEYS[match[1]] ?? match[1]]: listed.join(','),
                    };
                  }
                },
              }
            : {}),
          hostVerifier: (key: Buffer) => {
            observe.hostKeyFingerprint = fingerprintOf(key);
            observe.hostKeyMatched = matchesPin(policy, observe.hostKeyFingerprint);
            return observe.hostKeyMatched;
          },
        });
      } catch (error) {
        // ssh2 throws synchronously for an unreadable private key or a wrong passphrase
        reject(
          sftpError(
            'auth_failed',
            `${what}: the private key cannot be used (${(error as Error).message})`,
            { bank: bank.bank_code },
            error,
          ),
        );
      }
    });
    banner = (client as unknown as { _remoteVer?: string })._remoteVer ?? '';
    const sftp = await new Promise<SFTPWrapper>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(sftpError('timeout', `${what}: SFTP subsystem did not start within ${timeouts.operationMs} ms`)),
        timeouts.operationMs,
      );
      client.sftp((error, channel) => {
        clearTimeout(timer);
        if (error) reject(classifySftpError(error, `${what}: SFTP subsystem`));
        else resolve(channel);
      });
    });
    // views of reused read buffers are safe only while SFTP replies reach ssh2 split as direct-data.ts does it
    if (installDirectReadReplies(sftp)) reads.enable(client);
    client.removeAllListeners('close');
    client.removeAllListeners('error');
    // errors after the handshake surface through `broken` and the failing request
    client.on('error', () => {});
    const extensions = { ...(sftp as unknown as { _extensions: Record<string, string> })._extensions };
    return new SftpConnection(
      bank.bank_code,
      client,
      socket,
      sftp,
      {
        serverBanner: banner,
        algorithms: negotiated ?? { kex: '', serverHostKey: '', cipher: '', mac: '', compress: '' },
        hostKeyFingerprint: observe.hostKeyFingerprint ?? '',
        extensions,
      },
      timeouts.operationMs,
      reads.stats,
    );
  } catch (error) {
    client.removeAllListeners('close');
    client.on('error', () => {});
    socket.destroy();
    throw error;
  }
}
