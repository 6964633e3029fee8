/**
 * A real OpenSSH server for tests. Each call writes its own sshd_config in a temp dir: 127.0.0.1 on a free port,
 * its own Ed25519 host key (ssh-keygen), `Subsystem sftp internal-sftp`, and two users:
 * - `root` with key auth only (Ed25519 without passphrase, RSA with passphrase; `AuthorizedKeysFile` points
 *   into the temp dir, `StrictModes no` since the temp dir is not under root's home);
 * - `banksftp-test` with password auth: a system user created once with useradd if absent; its password is
 *   (re)set with chpasswd to the fixed test value below (fixed, so two test files running in parallel agree;
 *   the user exists only on test machines and only has a shell-less home under /var/tmp).
 * `UsePAM no` makes sshd check the password against /etc/shadow itself, which works because tests run as
 * root (locally and in CI). sshd needs /run/sshd (privilege separation dir); it is created here.
 *
 * @example
 *   const sshd = await startSshd();   // in beforeAll
 *   ... bank config with sftp_port: sshd.port, host_key_sha256: sshd.hostKeyFingerprint ...
 *   await sshd.stop();                // in afterAll
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BankConfig } from '../../src/infra/config/schema.ts';
import { loopbackBank, secretLookup } from './test-bank.ts';
import { freePort } from './test-config.ts';

export const PASSWORD_USER = 'banksftp-test';
export const PASSWORD_USER_PASSWORD = 'sandbox-only-Test-Pw-4';
export const PASSWORD_USER_HOME = '/var/tmp/banksftp-test';
export const RSA_KEY_PASSPHRASE = 'test-passphrase-rsa';

export interface SshdHandle {
  port: number;
  /** Temp dir holding config, keys and a `files/` dir root can write to. */
  dir: string;
  filesDir: string;
  hostKeyFingerprint: string;
  ed25519KeyPath: string;
  ed25519PrivateKey: string;
  rsaPrivateKey: string;
  /** Private host key (OpenSSH format), to start another server with the same identity. */
  hostPrivateKey: string;
  /** sshd child processes serving a connection right now (the server's view, for leak checks). */
  connectionCount(): number;
  /** SIGKILLs the listener and every sshd process serving a session (a crashed server). */
  kill(): Promise<void>;
  /** Starts the server again on the same port with the same host key and users (after `kill`). */
  restart(): Promise<void>;
  /** The last 4,000 characters sshd wrote to stderr (at `logLevel`). */
  log(): string;
  /**
   * Stops the listener. Established sessions live on (as with a real sshd) unless `dropSessions`: then they are
   * cut too, as when the server machine goes away.
   */
  stop(options?: { dropSessions?: boolean }): Promise<void>;
}

function keygen(path: string, type: 'ed25519' | 'rsa', passphrase = ''): void {
  execFileSync('ssh-keygen', [
    '-q',
    '-t',
    type,
    ...(type === 'rsa' ? ['-b', '2048'] : []),
    '-N',
    passphrase,
    '-f',
    path,
  ]);
}

function fingerprint(publicKeyPath: string): string {
  const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyPath], { encoding: 'utf8' });
  const match = /SHA256:[A-Za-z0-9+/]+/.exec(out);
  if (!match) throw new Error(`no fingerprint in ${out}`);
  return match[0];
}

function ensurePasswordUser(): void {
  let exists = true;
  try {
    execFileSync('id', [PASSWORD_USER], { stdio: 'ignore' });
  } catch {
    exists = false;
  }
  if (!exists) {
    try {
      execFileSync('useradd', ['-M', '-d', PASSWORD_USER_HOME, '-s', '/bin/sh', PASSWORD_USER], { stdio: 'ignore' });
    } catch {
      // a parallel test file may have created it a moment ago
      execFileSync('id', [PASSWORD_USER], { stdio: 'ignore' });
    }
  }
  mkdirSync(PASSWORD_USER_HOME, { recursive: true });
  execFileSync('chown', [`${PASSWORD_USER}:`, PASSWORD_USER_HOME]);
  execFileSync('chpasswd', { input: `${PASSWORD_USER}:${PASSWORD_USER_PASSWORD}\n` });
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd exited (${child.exitCode}): ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not listen on ${port}: ${log()}`);
}

function parentOf(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended while we looked
    }
  }
  return parents;
}

function childrenOf(pid: number): number {
  return [...parentOf().values()].filter((ppid) => ppid === pid).length;
}

/** `pid` and all its descendants (sshd's per-connection and privilege-separated session processes). */
function processTree(pid: number): number[] {
  const parents = parentOf();
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, ppid] of parents) if (ppid === tree[i]) tree.push(child);
  }
  return tree;
}

export interface SshdOptions {
  /** Listen on this port (default: a free one), e.g. to stand in for another server on its port. */
  port?: number;
  /** Use this host key instead of a fresh one (a restart of the same server). */
  hostPrivateKey?: string;
  /** sshd LogLevel (default ERROR); VERBOSE shows authentication attempts in `log()`. */
  logLevel?: 'ERROR' | 'INFO' | 'VERBOSE';
  /** More sshd_config lines, e.g. `RekeyLimit 1M` or a `Ciphers` list. */
  extraConfig?: string[];
}

export async function startSshd(options: SshdOptions = {}): Promise<SshdHandle> {
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  ensurePasswordUser();
  const dir = mkdtempSync(join(tmpdir(), 'sshd-test-'));
  const filesDir = join(dir, 'files');
  mkdirSync(filesDir);
  if (options.hostPrivateKey) {
    writeFileSync(join(dir, 'host_ed25519'), options.hostPrivateKey, { mode: 0o600 });
    writeFileSync(
      join(dir, 'host_ed25519.pub'),
      execFileSync('ssh-keygen', ['-y', '-f', join(dir, 'host_ed25519')], { encoding: 'utf8' }),
    );
  } else {
    keygen(join(dir, 'host_ed25519'), 'ed25519');
  }
  keygen(join(dir, 'client_ed25519'), 'ed25519');
  keygen(join(dir, 'client_rsa'), 'rsa', RSA_KEY_PASSPHRASE);
  writeFileSync(
    join(dir, 'authorized_keys'),
    readFileSync(join(dir, 'client_ed25519.pub'), 'utf8') + readFileSync(join(dir, 'client_rsa.pub'), 'utf8'),
  );
  const port = options.port ?? (await freePort());
  const configPath = join(dir, 'sshd_config');
  writeFileSync(
    configPath,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_ed25519')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      `AllowUsers root ${PASSWORD_USER}`,
      'Subsystem sftp internal-sftp',
      'MaxStartups 200',
      'MaxSessions 50',
      `LogLevel ${options.logLevel ?? 'ERROR'}`,
      ...(options.extraConfig ?? []),
      '',
    ].join('\n'),
  );
  let stderr = '';
  const spawnSshd = async () => {
    const started = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    started.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    await waitForPort(port, started, () => stderr);
    return started;
  };
  let child = await spawnSshd();
  return {
    port,
    dir,
    filesDir,
    hostKeyFingerprint: fingerprint(join(dir, 'host_ed25519.pub')),
    ed25519KeyPath: join(dir, 'client_ed25519'),
    ed25519PrivateKey: readFileSync(join(dir, 'client_ed25519'), 'utf8'),
    rsaPrivateKey: readFileSync(join(dir, 'client_rsa'), 'utf8'),
    hostPrivateKey: readFileSync(join(dir, 'host_ed25519'), 'utf8'),
    log: () => stderr,
    connectionCount: () => (child.pid ? childrenOf(child.pid) : 0),
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // the whole tree at once: the session processes must not outlive the listener
      for (const pid of processTree(child.pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await exited;
    },
    async restart() {
      child = await spawnSshd();
    },
    async stop(options: { dropSessions?: boolean } = {}) {
      if (options.dropSessions && child.pid) {
        // a session is [priv] -> user@notty -> internal-sftp; each holds the socket (the listener itself is first)
        for (const pid of processTree(child.pid).slice(1)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A validated bank config pointing at this server (key auth as root, files under `filesDir`). */
export function sshdBank(sshd: SshdHandle, overrides: Record<string, unknown> = {}): BankConfig {
  return loopbackBank(
    {
      bank_code: 'openssh',
      bank_name: 'OpenSSH test bank',
      fisc_code: '999',
      sftp_port: sshd.port,
      sftp_username: 'root',
      private_key_secret: 'test-ed25519',
      host_key_sha256: sshd.hostKeyFingerprint,
      upload_path: join(sshd.filesDir, 'upload'),
      download_path: join(sshd.filesDir, 'download'),
    },
    overrides,
  );
}

/** Secrets for the users above, as the injected `getSecret` of the SFTP client. */
export function sshdSecrets(sshd: SshdHandle): (name: string) => Promise<string> {
  return secretLookup({
    'test-ed25519': sshd.ed25519PrivateKey,
    'test-rsa': sshd.rsaPrivateKey,
    'test-rsa-passphrase': RSA_KEY_PASSPHRASE,
    'test-password': PASSWORD_USER_PASSWORD,
    'wrong-password': 'not-the-password',
  });
}
