/**
 * One authenticated SSH connection with its SFTP channel, for one bank, through ssh2's public API only. Every
 * SFTP request carries a timeout: a request without a reply in `operationMs` fails with `timeout` (retry_now) and
 * the connection is destroyed, since a late reply would arrive for a request nobody waits for. The same timeout
 * bounds a server that stops granting channel window: the request makes no progress and fails. Sockets are opened
 * here (not inside ssh2) so the connect timeout, refusal and socket accounting are ours.
 *
 * Before the SFTP channel is opened, a probe channel (an `sftp` subsystem that is never used) shows the server's
 * channel parameters; a zero or absurd maximum packet or window is refused with `hostile_peer`: ssh2 1.17 would
 * split the SFTP INIT into zero-byte packets forever, synchronously, on the one event loop every bank shares, so
 * no timeout could end it (docs/sftp.md).
 *
 * @example
 *   const conn = await openSftpConnection(bank, { getSecret });
 *   try { console.log(await conn.stat('/incoming/payments')); } finally { await conn.close(); }
 */
import { connect as netConnect, type Socket } from 'node:net';
import ssh2, {
  type Channel,
  type Client,
  type ConnectConfig,
  type FileEntryWithStats,
  type SFTPWrapper,
  type Stats,
} from 'ssh2';
import type { BankConfig } from '../config/schema.ts';
import { classifySftpError, sftpError } from './errors.ts';
import { fingerprintOf, type HostKeyPolicy, hostKeyPolicy, matchesPin } from './host-key.ts';

export type GetSecret = (name: string) => Promise<string>;

export interface SftpTimeouts {
  connectMs: number;
  keepaliveMs: number;
  operationMs: number;
}

export const DEFAULT_TIMEOUTS: SftpTimeouts = { connectMs: 30_000, keepaliveMs: 30_000, operationMs: 120_000 };

/**
 * Channel parameters a server may announce (RFC 4254 5.1 sets no bounds). Under 512 bytes per packet every
 * SFTP request (at least 13 bytes of header, our writes 255 KB) splits into hundreds of packets, and 0 never
 * ends; an initial window under that is a server that cannot take one request. Upper bounds are not needed:
 * a large packet or window only lets ssh2 send each request in one packet.
 */
const MIN_CHANNEL_PACKET = 512;
const MIN_CHANNEL_WINDOW = 512;

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

export interface ChannelParameters {
  /** The server's maximum packet and initial window for a channel it opened for us. */
  maxPacket: number;
  window: number;
}

export interface ListingLimits {
  maxEntries: number;
  /** Names, long names and a fixed 32 bytes of attributes per entry, summed as they arrive. */
  maxBytes: number;
}

/** What a listing holds at most unless the bank's config says otherwise (`sftp.max_listing_entries`/`_bytes`). */
export const DEFAULT_LISTING_LIMITS: ListingLimits = { maxEntries: 10_000, maxBytes: 8 * 1024 * 1024 };

let liveSockets = 0;
/** Sockets opened by this module and not yet closed: the leak check of the pool tests and a metric. */
export function openSocketCount(): number {
  return liveSockets;
}

type Callback<T> = (error: Error | null | undefined, value: T) => void;

/** SFTP status codes of draft-ietf-secsh-filexfer-02 that ssh2 hands back as `error.code`. */
const FX_EOF = 1;
/** ssh2's answer, before sending anything, to an extension the server did not announce. */
const UNSUPPORTED_EXTENSION = /does not support this extended request/;

export class SftpConnection {
  #broken = false;
  readonly #closed: Promise<void>;
  /** Requests waiting for a reply, failed at once when the socket closes. */
  readonly #waiting = new Set<() => void>();
  /** Whether posix-rename@openssh.com works here; learnt on the first rename. */
  #posixRename: boolean | undefined;
  #keyExchanges = 1;

  constructor(
    readonly bankCode: string,
    private readonly client: Client,
    private readonly socket: Socket,
    private readonly sftp: SFTPWrapper,
    readonly info: {
      serverBanner: string;
      algorithms: NegotiatedAlgorithms;
      hostKeyFingerprint: string;
      channel: ChannelParameters;
    },
    readonly operationMs: number,
  ) {
    this.#closed = new Promise((resolve) => {
      if (socket.destroyed) resolve();
      else socket.once('close', () => resolve());
    });
    socket.once('close', () => {
      for (const fail of [...this.#waiting]) fail();
    });
    const markBroken = () => {
      this.#broken = true;
    };
    // ssh2's `handshake` event: the first key exchange came before this constructor, each later one is a rekey
    client.on('handshake', () => {
      this.#keyExchanges++;
    });
    client.on('close', markBroken);
    client.on('end', markBroken);
    client.on('error', (error: Error) => {
      this.#fatal ??= error;
      markBroken();
    });
    sftp.on('close', markBroken);
    sftp.on('error', markBroken);
  }

  /** The first error ssh2 reported on the connection: the cause of every request it makes fail. */
  #fatal: Error | undefined;

  /** Broken connections are never handed out again (timed out, closed by the server, protocol error). */
  get broken(): boolean {
    return this.#broken || this.socket.destroyed;
  }

  /** Key exchanges on this connection so far: 1, plus one per rekey (either side may start one). */
  get keyExchanges(): number {
    return this.#keyExchanges;
  }

  /** Closes the SSH connection and resolves once the socket is really closed. */
  async close(): Promise<void> {
    this.#broken = true;
    if (!this.socket.destroyed) {
      try {
        this.client.end();
      } catch {
        // ending a half-dead client may throw; the destroy below still closes the socket
      }
      const force = setTimeout(() => this.socket.destroy(), 2_000);
      force.unref();
      await this.#closed;
      clearTimeout(force);
    }
  }

  destroy(): void {
    this.#broken = true;
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
        this.#waiting.delete(onClose);
        this.destroy();
        reject(sftpError('timeout', `${what} ${path}: no reply within ${this.operationMs} ms`, { path }));
      }, this.operationMs);
      const onClose = () => finish(sftpError('connection_lost', `${what} ${path}: connection closed`, { path }));
      const finish = (error: unknown, value?: T) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#waiting.delete(onClose);
        if (!error) {
          resolve(value as T);
          return;
        }
        // A request failed by the connection going down ("No response from server") says nothing of why: the
        // connection's own error (a protocol error, a reset) is the cause, and ssh2 may report it a tick later.
        const classify = () => {
          const failed = classifySftpError(error, `${what} ${path}`, { path, bank: this.bankCode });
          if (this.#fatal && failed.code === 'connection_lost') {
            return classifySftpError(this.#fatal, `${what} ${path}: connection lost`, { path, bank: this.bankCode });
          }
          return failed;
        };
        if (this.#fatal || !this.broken) reject(classify());
        else setImmediate(() => reject(classify()));
      };
      this.#waiting.add(onClose);
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

  /** One WRITE (ssh2 copies `data` into its packet at once; a request over the server's limit it splits). */
  write(handle: Buffer, data: Buffer, position: number, path: string): Promise<void> {
    return this.request('write', path, (cb) =>
      this.sftp.write(handle, data, 0, data.length, position, (e) => cb(e, undefined)),
    );
  }

  /** Reads up to `length` bytes at `position` into `buffer` at `offset`; how many arrived (0 at end of file). */
  read(handle: Buffer, buffer: Buffer, offset: number, length: number, position: number, path: string) {
    return this.request<number>('read', path, (cb) =>
      this.sftp.read(handle, buffer, offset, length, position, (error, bytesRead) => {
        // ssh2 reports end of file as an error with the SFTP EOF status
        if (error && (error as { code?: unknown }).code === FX_EOF) cb(null, 0);
        else cb(error, bytesRead ?? 0);
      }),
    );
  }

  /**
   * A directory listing read one server reply at a time, refused with `listing_too_large` as soon as it passes
   * `limits` (a directory of 100,000 names must not take the process's memory or a minute of the event loop).
   */
  async readdir(path: string, limits: ListingLimits = DEFAULT_LISTING_LIMITS): Promise<FileEntryWithStats[]> {
    const handle = await this.request<Buffer>('opendir', path, (cb) => this.sftp.opendir(path, cb));
    const entries: FileEntryWithStats[] = [];
    let bytes = 0;
    try {
      for (;;) {
        const batch = await this.request<FileEntryWithStats[] | undefined>('readdir', path, (cb) =>
          this.sftp.readdir(handle, (error, list) => {
            if (error && (error as { code?: unknown }).code === FX_EOF) cb(null, undefined);
            else cb(error, list);
          }),
        );
        if (!batch) break;
        for (const entry of batch) {
          bytes += Buffer.byteLength(entry.filename) + Buffer.byteLength(entry.longname ?? '') + 32;
          entries.push(entry);
        }
        if (entries.length > limits.maxEntries || bytes > limits.maxBytes) {
          throw sftpError(
            'listing_too_large',
            `bank ${this.bankCode}: listing of ${path} passed ${entries.length > limits.maxEntries ? `${limits.maxEntries} entries` : `${limits.maxBytes} bytes`} ` +
              `(sftp.max_listing_entries / max_listing_bytes); not read further: clear the directory at the bank or raise the limit`,
            { bank: this.bankCode, path, entriesSoFar: entries.length, bytesSoFar: bytes, ...limits },
          );
        }
      }
    } finally {
      if (!this.broken) await this.closeHandle(handle, path).catch(() => {});
    }
    return entries;
  }

  /**
   * Rename; posix-rename@openssh.com where the server offers it (atomic on the server's filesystem, and it
   * replaces nothing the caller did not check). ssh2 refuses an extension the server did not announce before
   * sending anything, which is how the fallback is chosen.
   */
  rename(from: string, to: string): Promise<void> {
    return this.request('rename', from, (cb) => {
      if (this.#posixRename !== false) {
        try {
          this.sftp.ext_openssh_rename(from, to, (e) => cb(e, undefined));
          this.#posixRename = true;
          return;
        } catch (error) {
          if (!UNSUPPORTED_EXTENSION.test((error as Error).message)) throw error;
          this.#posixRename = false;
        }
      }
      this.sftp.rename(from, to, (e) => cb(e, undefined));
    });
  }

  /**
   * Which of the extensions we use or report the server supports, asked with requests that change nothing
   * (a rename and a hard link of a name that does not exist, statvfs of `.`): the connection test's report.
   */
  async probeExtensions(): Promise<string[]> {
    const missing = `/.banking-sftp-probe-${process.pid}-${Date.now()}`;
    const probes: Array<[string, (cb: (error?: Error | null) => void) => void]> = [
      ['posix-rename@openssh.com', (cb) => this.sftp.ext_openssh_rename(missing, `${missing}-b`, cb)],
      ['hardlink@openssh.com', (cb) => this.sftp.ext_openssh_hardlink(missing, `${missing}-b`, cb)],
      ['statvfs@openssh.com', (cb) => this.sftp.ext_openssh_statvfs('.', (e) => cb(e))],
    ];
    const supported: string[] = [];
    for (const [name, probe] of probes) {
      let announced = true;
      await this.request<void>('probe', name, (cb) => {
        try {
          probe(() => cb(null, undefined));
        } catch (error) {
          if (!UNSUPPORTED_EXTENSION.test((error as Error).message)) throw error;
          announced = false;
          cb(null, undefined);
        }
      });
      if (announced) supported.push(name);
    }
    return supported.sort();
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

function openSocket(host: string, port: number, timeoutMs: number, what: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port });
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

/**
 * The software version of the server's identification line (RFC 4253 4.2: `SSH-2.0-<software> <comments>`),
 * read from the socket beside ssh2 (which keeps its copy private). Stops looking after the first 8 KB.
 */
function watchServerSoftware(socket: Socket): () => string {
  let seen = '';
  let software = '';
  const onData = (data: Buffer) => {
    seen += data.toString('latin1', 0, Math.min(data.length, 8192));
    for (let newline = seen.indexOf('\n'); newline >= 0; newline = seen.indexOf('\n')) {
      const line = seen.slice(0, newline).replace(/\r$/, '');
      seen = seen.slice(newline + 1);
      const ident = /^SSH-[^-]+-(\S+)/.exec(line);
      if (ident) {
        software = ident[1]!;
        socket.off('data', onData);
        return;
      }
    }
    if (seen.length > 8192) socket.off('data', onData);
  };
  socket.on('data', onData);
  return () => software;
}

/** Why the server's channel parameters are refused, or undefined when they are usable. */
function hostileChannelReason(channel: ChannelParameters): string | undefined {
  if (!Number.isInteger(channel.maxPacket) || channel.maxPacket < MIN_CHANNEL_PACKET) {
    return `maximum packet size ${channel.maxPacket} bytes (at least ${MIN_CHANNEL_PACKET} needed)`;
  }
  if (!Number.isInteger(channel.window) || channel.window < MIN_CHANNEL_WINDOW) {
    return `initial window ${channel.window} bytes (at least ${MIN_CHANNEL_WINDOW} needed)`;
  }
  return undefined;
}

/** `Channel.outgoing` is declared (as unknown) by ssh2's types: what the server announced for that channel. */
function channelParameters(channel: Pick<Channel, 'outgoing'>): ChannelParameters {
  const outgoing = (channel.outgoing ?? {}) as { packetSize?: unknown; window?: unknown };
  return { maxPacket: Number(outgoing.packetSize), window: Number(outgoing.window) };
}

/**
 * Opens the sftp subsystem on a channel of its own and reads the channel parameters the server announced: ssh2
 * sends the SFTP INIT as soon as its own SFTP channel opens, before anything could look at it. The probe channel
 * stays open, unused, until the connection closes: a server may take the close of an SFTP session that never
 * sent INIT as a failure of the whole connection (asyncssh 2.10 does), and an idle session costs it nothing.
 */
function probeChannel(client: Client, what: string, timeoutMs: number): Promise<ChannelParameters> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(sftpError('timeout', `${what}: no channel within ${timeoutMs} ms`)),
      timeoutMs,
    );
    client.subsys('sftp', (error, channel) => {
      clearTimeout(timer);
      if (error) return reject(classifySftpError(error, `${what}: SFTP subsystem`));
      channel.on('error', () => {});
      resolve(channelParameters(channel));
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
  const socket = await openSocket(bank.sftp_host, bank.sftp_port, timeouts.connectMs, what);
  const serverSoftware = watchServerSoftware(socket);
  const client = new ssh2.Client();
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
    const channel = await probeChannel(client, what, timeouts.operationMs);
    const hostile = hostileChannelReason(channel);
    if (hostile) {
      throw sftpError(
        'hostile_peer',
        `${what}: the server announced a channel ${hostile}; refused before any transfer, since ssh2 cannot send ` +
          'through it (ask the bank to fix the server)',
        { bank: bank.bank_code, ...channel },
      );
    }
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
    client.removeAllListeners('close');
    client.removeAllListeners('error');
    // errors after the handshake surface through `broken` and the failing request
    client.on('error', () => {});
    return new SftpConnection(
      bank.bank_code,
      client,
      socket,
      sftp,
      {
        serverBanner: serverSoftware(),
        algorithms: negotiated ?? { kex: '', serverHostKey: '', cipher: '', mac: '', compress: '' },
        hostKeyFingerprint: observe.hostKeyFingerprint ?? '',
        channel,
      },
      timeouts.operationMs,
    );
  } catch (error) {
    client.removeAllListeners('close');
    client.on('error', () => {});
    socket.destroy();
    throw error;
  }
}
