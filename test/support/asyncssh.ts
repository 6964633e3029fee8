/**
 * An asyncssh SFTP server for tests (Debian python3-asyncssh), started with /usr/bin/python3 from
 * asyncssh_sftp_server.py beside this file: 127.0.0.1 on a port the OS picks, an Ed25519 host key, one user
 * with a password and an Ed25519 key, the SFTP root chrooted to `filesDir` (with `upload/` and `download/`).
 * The script exits when its stdin closes, so it cannot outlive the test process.
 *
 * @example
 *   const server = await startAsyncssh();
 *   const bank = asyncsshBank(server);
 *   await server.stop();
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BankConfig } from '../../src/infra/config/schema.ts';
import { hostKeyFingerprint } from './server-process.ts';
import { loopbackBank, secretLookup } from './test-bank.ts';

export const SYSTEM_PYTHON = '/usr/bin/python3';
export const ASYNCSSH_USER = 'bank';
export const ASYNCSSH_PASSWORD = 'asyncssh-test-Pw-3';
const SCRIPT = join(import.meta.dirname, 'asyncssh_sftp_server.py');

export function asyncsshSkipReason(): string | undefined {
  if (!existsSync(SYSTEM_PYTHON)) return `${SYSTEM_PYTHON} is not installed`;
  const probe = spawnSync(SYSTEM_PYTHON, ['-W', 'ignore', '-c', 'import asyncssh'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'python3-asyncssh is not installed (Debian package python3-asyncssh)';
  return undefined;
}

export interface AsyncsshHandle {
  port: number;
  dir: string;
  filesDir: string;
  hostKeyFingerprint: string;
  clientPrivateKey: string;
  version: string;
  log(): string;
  stop(): Promise<void>;
}

export async function startAsyncssh(options: { rekeyBytes?: number } = {}): Promise<AsyncsshHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'asyncssh-test-'));
  const filesDir = join(dir, 'files');
  for (const sub of ['upload', 'download']) mkdirSync(join(filesDir, sub), { recursive: true });
  for (const name of ['host_ed25519', 'client_ed25519']) {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, name)]);
  }
  const child: ChildProcess = spawn(
    SYSTEM_PYTHON,
    [
      SCRIPT,
      filesDir,
      join(dir, 'host_ed25519'),
      join(dir, 'client_ed25519.pub'),
      ASYNCSSH_USER,
      ASYNCSSH_PASSWORD,
      ...(options.rekeyBytes ? [String(options.rekeyBytes)] : []),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const started = await new Promise<{ port: number; version: string }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`asyncssh server did not start: ${stderr}`)), 15_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as { port: number; version: string });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`asyncssh server exited (${code}): ${stderr}`));
    });
  }).catch((error) => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    port: started.port,
    dir,
    filesDir,
    hostKeyFingerprint: hostKeyFingerprint(join(dir, 'host_ed25519.pub')),
    clientPrivateKey: readFileSync(join(dir, 'client_ed25519'), 'utf8'),
    version: `asyncssh ${started.version}`,
    log: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.stdin?.end();
        const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(force);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function asyncsshBank(server: AsyncsshHandle, overrides: Record<string, unknown> = {}): BankConfig {
  return loopbackBank(
    {
      bank_code: 'asyncssh',
      bank_name: 'asyncssh test bank',
      fisc_code: '997',
      sftp_port: server.port,
      sftp_username: ASYNCSSH_USER,
      private_key_secret: 'asyncssh-key',
      host_key_sha256: server.hostKeyFingerprint,
      upload_path: '/upload',
      download_path: '/download',
    },
    overrides,
  );
}

export function asyncsshSecrets(server: AsyncsshHandle): (name: string) => Promise<string> {
  return secretLookup({
    'asyncssh-key': server.clientPrivateKey,
    'asyncssh-password': ASYNCSSH_PASSWORD,
  });
}
