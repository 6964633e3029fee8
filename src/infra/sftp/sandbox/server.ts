/**
 * Sandbox banks: one SFTP server per `sandbox: true` bank, on 127.0.0.1 at the bank's configured port, files in
 * `<sandbox.dir>/<bank_code>/` (upload_path and download_path inside it), playing the bank: a payment file that
 * arrives under its final name in the upload path goes to `onPaymentFile`, and the files that hook returns are
 * written to the download path `reconciliation_delay_seconds` later (temp name + rename, so a listing never sees
 * half a file). Fault switches (faults.ts) are set per bank at run time.
 *
 * @example
 *   const sandbox = await startSandbox(config, { onPaymentFile: simulateBank });
 *   await sandbox.setFaults('mega', { slowReadsMs: 5000 });
 *   await sandbox.stop();
 */
import { timingSafeEqual } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { dirname, join, posix } from 'node:path';
import ssh2, { type AuthContext, type Connection } from 'ssh2';
import type { BankConfig, Config } from '../../config/schema.ts';
import { untrustedNameReason } from '../remote-names.ts';
import { LEGACY_ALGORITHMS, type SandboxFaults } from './faults.ts';
import { bankDir, ensureHostKeys, ensureSandboxUser, privateDir, type SandboxUser } from './keys.ts';
import { serveSftp } from './sftp-handler.ts';

export interface PaymentFileContext {
  bankCode: string;
  name: string;
  bytes: Uint8Array;
}
export type OnPaymentFile = (ctx: PaymentFileContext) => Promise<Array<{ name: string; bytes: Uint8Array }>>;

export interface SandboxOptions {
  onPaymentFile?: OnPaymentFile;
  /** Runs `task` after `delayMs` (default setTimeout); tests pass a manual scheduler. */
  schedule?: (delayMs: number, task: () => void) => void;
  /** The bank's answer files are in its download path now (the demo polls that bank at once). */
  onResultsWritten?: (bankCode: string, names: string[]) => void;
  /** Hook failures and similar are reported here, never thrown into the server. */
  onError?: (error: unknown, context: { bankCode: string; name?: string }) => void;
}

export interface SandboxBank {
  readonly bankCode: string;
  readonly port: number;
  readonly dir: string;
  setFaults(faults: SandboxFaults): Promise<void>;
  /** The faults switched on now. */
  faults(): SandboxFaults;
  /** Open SSH connections right now (the server's view, for leak checks). */
  connectionCount(): number;
  /** Resolves when every payment file received so far has been through the hook (and every due file written). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** true/false for a decided attempt, 'probe' when a client asks whether a key would do, undefined: wrong method. */
function verdict(ctx: AuthContext, user: SandboxUser): boolean | 'probe' | undefined {
  if (ctx.username !== user.username) return false;
  if (user.method === 'password' && ctx.method === 'password') return safeEqual(ctx.password, user.password);
  if (user.method === 'key' && ctx.method === 'publickey') {
    const expected = user.publicKey.getPublicSSH();
    if (ctx.key.algo !== user.publicKey.type || !ctx.key.data.equals(expected)) return false;
    // without a signature the client only asks whether this key would do; it must still sign
    if (!ctx.signature || !ctx.blob) return 'probe';
    return user.publicKey.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true;
  }
  return undefined;
}

function authenticate(ctx: AuthContext, user: SandboxUser): void {
  const decision = verdict(ctx, user);
  if (decision === true || decision === 'probe') ctx.accept();
  else if (decision === false) ctx.reject();
  else ctx.reject([user.method === 'password' ? 'password' : 'publickey']);
}

export async function startSandboxBank(
  bank: BankConfig,
  settings: { sandboxDir: string; secretsDir: string; reconciliationDelaySeconds: number },
  options: SandboxOptions = {},
): Promise<SandboxBank> {
  const root = bankDir(settings.sandboxDir, bank.bank_code);
  const uploadDir = join(root, bank.upload_path);
  const downloadDir = join(root, bank.download_path);
  mkdirSync(uploadDir, { recursive: true });
  mkdirSync(downloadDir, { recursive: true });
  const takenDir = join(privateDir(settings.sandboxDir, bank.bank_code), 'taken');
  mkdirSync(takenDir, { recursive: true });
  const hostKeys = ensureHostKeys(settings.sandboxDir, bank.bank_code);
  const user = ensureSandboxUser(bank, settings.secretsDir);
  const report = options.onError ?? ((error) => console.error(`sandbox ${bank.bank_code}:`, error));
  const timers = new Set<NodeJS.Timeout>();
  const schedule =
    options.schedule ??
    ((ms: number, task: () => void) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        task();
      }, ms);
      timers.add(timer);
    });
  let stopped = false;

  let faults: SandboxFaults = {};
  const sockets = new Set<Socket>();
  let sshConnections = 0;
  const work = new Set<Promise<void>>();
  const track = (promise: Promise<void>) => {
    const p = promise.catch((error) => report(error, { bankCode: bank.bank_code })).finally(() => work.delete(p));
    work.add(p);
  };

  const writeReconciliation = async (files: Array<{ name: string; bytes: Uint8Array }>) => {
    for (const file of files) {
      const reason = untrustedNameReason(file.name);
      if (reason) throw new Error(`onPaymentFile returned an unusable name ${JSON.stringify(file.name)}: ${reason}`);
      const temp = join(downloadDir, `.${file.name}.part`);
      await writeFile(temp, file.bytes);
      await rename(temp, join(downloadDir, file.name));
    }
  };

  const arrived = (remotePath: string) => {
    const name = posix.basename(remotePath);
    if (posix.dirname(remotePath) !== posix.normalize(bank.upload_path) || name.startsWith('.')) return;
    const hook = options.onPaymentFile;
    if (!hook) return;
    track(
      (async () => {
        const bytes = new Uint8Array(await readFile(join(root, remotePath)));
        const outputs = await hook({ bankCode: bank.bank_code, name, bytes });
        if (outputs.length === 0) return;
        schedule((faults.resultDelaySeconds ?? settings.reconciliationDelaySeconds) * 1000, () => {
          if (!stopped) {
            track(
              writeReconciliation(outputs).then(() =>
                options.onResultsWritten?.(
                  bank.bank_code,
                  outputs.map((o) => o.name),
                ),
              ),
            );
          }
        });
      })(),
    );
  };

  const takeAway = async (localPath: string, name: string) => {
    if (dirname(localPath) !== uploadDir.replace(/\/+$/, '')) return;
    await mkdir(takenDir, { recursive: true });
    await rename(localPath, join(takenDir, `${Date.now()}-${name}`));
  };

  const onClient = (client: Connection) => {
    sshConnections++;
    let counted = true;
    const uncount = () => {
      if (counted) sshConnections--;
      counted = false;
    };
    client.on('close', uncount);
    client.on('error', () => {});
    client.on('authentication', (ctx) => authenticate(ctx, user));
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('sftp', (acceptSftp) => {
          serveSftp(acceptSftp(), { root, faults: () => faults, takeAway, events: { arrived } });
        });
      });
    });
  };
  const ident = `SandboxBank_${bank.bank_code}`;
  const modern = new ssh2.Server({ hostKeys: [hostKeys.ed25519], ident }, onClient);
  const legacy = new ssh2.Server(
    {
      hostKeys: [hostKeys.rsa],
      ident,
      algorithms: { kex: [...LEGACY_ALGORITHMS.kex], serverHostKey: [...LEGACY_ALGORITHMS.serverHostKey] },
    },
    onClient,
  );

  const onSocket = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const limit = faults.dropAfterBytes;
    if (limit !== undefined) {
      let received = 0;
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > limit) socket.destroy();
      });
    }
    (faults.legacyAlgorithmsOnly ? legacy : modern).injectSocket(socket);
  };

  let listener: NetServer | undefined;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const server = createServer(onSocket);
      const refused = (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE' || error.code === 'EACCES'
            ? new Error(
                `sandbox bank ${bank.bank_code} cannot listen on 127.0.0.1:${bank.sftp_port} (${error.code === 'EADDRINUSE' ? 'port already in use, e.g. by another checkout' : 'permission denied'}): ` +
                  `change banks[${bank.bank_code}].sftp_port, or set sandbox.port_base (env SANDBOX_PORT_BASE) to move every sandbox bank`,
                { cause: error },
              )
            : error,
        );
      server.once('error', refused);
      server.listen(bank.sftp_port, '127.0.0.1', () => {
        server.off('error', refused);
        listener = server;
        resolve();
      });
    });
  const unlisten = () =>
    new Promise<void>((resolve) => {
      const server = listener;
      listener = undefined;
      if (!server) return resolve();
      server.close(() => resolve());
      // close() waits for open connections; a refused port only needs to stop accepting
      setImmediate(resolve);
    });

  await listen();

  return {
    bankCode: bank.bank_code,
    port: bank.sftp_port,
    dir: root,
    async setFaults(next) {
      faults = { ...next };
      if (faults.refuseConnections && listener) await unlisten();
      if (!faults.refuseConnections && !listener) await listen();
    },
    faults: () => ({ ...faults }),
    connectionCount: () => sshConnections,
    async settled() {
      while (work.size > 0) await Promise.all([...work]);
    },
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await unlisten();
      for (const socket of sockets) socket.destroy();
      await Promise.all([...work]);
    },
  };
}

export interface Sandbox {
  banks: Map<string, SandboxBank>;
  bank(bankCode: string): SandboxBank;
  setFaults(bankCode: string, faults: SandboxFaults): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a sandbox server for every `sandbox: true` bank of the config. */
export async function startSandbox(
  config: Pick<Config, 'banks' | 'sandbox' | 'secrets'>,
  options: SandboxOptions = {},
): Promise<Sandbox> {
  const banks = new Map<string, SandboxBank>();
  try {
    for (const bank of config.banks.filter((b) => b.sandbox)) {
      banks.set(
        bank.bank_code,
        await startSandboxBank(
          bank,
          {
            sandboxDir: config.sandbox.dir,
            secretsDir: config.secrets.dir,
            reconciliationDelaySeconds: config.sandbox.reconciliation_delay_seconds,
          },
          options,
        ),
      );
    }
  } catch (error) {
    await Promise.all([...banks.values()].map((b) => b.stop()));
    throw error;
  }
  const bank = (code: string) => {
    const found = banks.get(code);
    if (!found) throw new Error(`no sandbox bank ${code}`);
    return found;
  };
  return {
    banks,
    bank,
    setFaults: (code, faults) => bank(code).setFaults(faults),
    async stop() {
      await Promise.all([...banks.values()].map((b) => b.stop()));
    },
  };
}
