/**
 * A real ProFTPD with mod_sftp for tests (Debian `proftpd-core` + `proftpd-mod-crypto`). Each call writes its own
 * proftpd.conf in a temp dir: 127.0.0.1 on a free port, RSA and Ed25519 host keys, one virtual user `bank`
 * (AuthUserFile, uid/gid 65534, chrooted into `filesDir`) that logs in with a password or an Ed25519 key, and
 * three directories:
 * - `upload`, `download`: ordinary read/write directories;
 * - `dropbox`: the write-only inbound directory many banks run, `<Limit READ> DenyAll`: STAT and READ of a
 *   file there are refused, listing, writing, renaming and removing are allowed.
 * The daemon runs in the foreground (`-n`) as its own child and is stopped with SIGTERM; `skipReason()` says why
 * the tests cannot run (binary or module missing), so a test file can `describe.skipIf`.
 *
 * @example
 *   const ftpd = await startProftpd();   // in beforeAll
 *   const bank = proftpdBank(ftpd, { upload_path: '/dropbox' });
 *   await ftpd.stop();                   // in afterAll
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BankConfig } from '../../src/infra/config/schema.ts';
import { hostKeyFingerprint, waitForPort } from './server-process.ts';
import { loopbackBank, secretLookup } from './test-bank.ts';
import { freePort } from './test-config.ts';

export const PROFTPD = '/usr/sbin/proftpd';
export const PROFTPD_SFTP_MODULE = '/usr/lib/proftpd/mod_sftp.so';
export const PROFTPD_USER = 'bank';
export const PROFTPD_PASSWORD = 'proftpd-test-Pw-7';
/** The unprivileged ids the daemon and the virtual user run as (nobody / nogroup on Debian). */
const UID = 65534;
const GID = 65534;

export function proftpdSkipReason(): string | undefined {
  if (!existsSync(PROFTPD)) return `${PROFTPD} is not installed (Debian package proftpd-core)`;
  if (!existsSync(PROFTPD_SFTP_MODULE)) return `${PROFTPD_SFTP_MODULE} is not installed (proftpd-mod-crypto)`;
  if (process.getuid?.() !== 0) return 'ProFTPD tests run as root (the daemon switches to nobody)';
  return undefined;
}

export interface ProftpdHandle {
  port: number;
  dir: string;
  /** The user's chroot: `upload/`, `download/`, `dropbox/` under it; paths in the bank config are relative to it. */
  filesDir: string;
  /** Fingerprints of the Ed25519 and RSA host keys (the client negotiates Ed25519 by default). */
  hostKeyFingerprint: string;
  rsaHostKeyFingerprint: string;
  clientPrivateKey: string;
  version: string;
  log(): string;
  stop(): Promise<void>;
}

export async function startProftpd(options: { extraConfig?: string[] } = {}): Promise<ProftpdHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'proftpd-test-'));
  // the session runs as nobody and must reach its chroot
  chmodSync(dir, 0o755);
  const filesDir = join(dir, 'files');
  for (const sub of ['', 'upload', 'download', 'dropbox']) {
    mkdirSync(join(filesDir, sub), { recursive: true });
    chownSync(join(filesDir, sub), UID, GID);
  }
  const keygen = (path: string, type: string, extra: string[] = []) =>
    execFileSync('ssh-keygen', ['-q', '-t', type, ...extra, '-N', '', '-f', path]);
  // mod_sftp reads PEM RSA keys and OpenSSH-format Ed25519 keys
  keygen(join(dir, 'host_rsa'), 'rsa', ['-b', '2048', '-m', 'PEM']);
  keygen(join(dir, 'host_ed25519'), 'ed25519');
  keygen(join(dir, 'client_ed25519'), 'ed25519');
  // mod_sftp wants authorized keys in RFC 4716 form
  writeFileSync(
    join(dir, 'authorized_keys'),
    execFileSync('ssh-keygen', ['-e', '-f', join(dir, 'client_ed25519.pub')], { encoding: 'utf8' }),
  );
  const hash = execFileSync('openssl', ['passwd', '-6', '-stdin'], { input: PROFTPD_PASSWORD, encoding: 'utf8' });
  writeFileSync(join(dir, 'passwd'), `${PROFTPD_USER}:${hash.trim()}:${UID}:${GID}::${filesDir}:/bin/false\n`, {
    mode: 0o600,
  });
  writeFileSync(join(dir, 'group'), `nogroup:x:${GID}:\n`, { mode: 0o600 });
  const port = await freePort();
  const configPath = join(dir, 'proftpd.conf');
  writeFileSync(
    configPath,
    [
      'ServerType standalone',
      'ServerName "banking-sftp test ProFTPD"',
      `Port ${port}`,
      'DefaultAddress 127.0.0.1',
      'SocketBindTight on',
      'UseIPv6 off',
      'User nobody',
      'Group nogroup',
      `PidFile ${join(dir, 'proftpd.pid')}`,
      `ScoreboardFile ${join(dir, 'scoreboard')}`,
      'DelayTable none',
      'WtmpLog off',
      'UseReverseDNS off',
      'TransferLog none',
      'MaxInstances 50',
      `SystemLog ${join(dir, 'system.log')}`,
      'ModulePath /usr/lib/proftpd',
      'LoadModule mod_sftp.c',
      'SFTPEngine on',
      `SFTPHostKey ${join(dir, 'host_rsa')}`,
      `SFTPHostKey ${join(dir, 'host_ed25519')}`,
      `SFTPLog ${join(dir, 'sftp.log')}`,
      `SFTPAuthorizedUserKeys file:${join(dir, 'authorized_keys')}`,
      'SFTPAuthMethods publickey password',
      `AuthUserFile ${join(dir, 'passwd')}`,
      `AuthGroupFile ${join(dir, 'group')}`,
      'AuthOrder mod_auth_file.c',
      'RequireValidShell off',
      'DefaultRoot ~',
      'Umask 022',
      'AllowOverwrite on',
      `<Directory ${join(filesDir, 'dropbox')}>`,
      '  <Limit READ>',
      '    DenyAll',
      '  </Limit>',
      '</Directory>',
      ...(options.extraConfig ?? []),
      '',
    ].join('\n'),
  );
  let output = '';
  const child: ChildProcess = spawn(PROFTPD, ['-n', '-q', '-c', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const log = () => {
    const file = join(dir, 'sftp.log');
    return `${output}${existsSync(file) ? readFileSync(file, 'utf8').slice(-4000) : ''}`;
  };
  try {
    await waitForPort(port, child, 'proftpd', log);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const version = execFileSync(PROFTPD, ['-v'], { encoding: 'utf8' }).trim();
  return {
    port,
    dir,
    filesDir,
    hostKeyFingerprint: hostKeyFingerprint(join(dir, 'host_ed25519.pub')),
    rsaHostKeyFingerprint: hostKeyFingerprint(join(dir, 'host_rsa.pub')),
    clientPrivateKey: readFileSync(join(dir, 'client_ed25519'), 'utf8'),
    version,
    log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        // the daemon's session processes are in its process group and end with it
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A validated bank config for this server: key auth by default, paths inside the chroot. */
export function proftpdBank(ftpd: ProftpdHandle, overrides: Record<string, unknown> = {}): BankConfig {
  return loopbackBank(
    {
      bank_code: 'proftpd',
      bank_name: 'ProFTPD test bank',
      fisc_code: '998',
      sftp_port: ftpd.port,
      sftp_username: PROFTPD_USER,
      private_key_secret: 'proftpd-key',
      host_key_sha256: ftpd.hostKeyFingerprint,
      upload_path: '/upload',
      download_path: '/download',
    },
    overrides,
  );
}

export function proftpdSecrets(ftpd: ProftpdHandle): (name: string) => Promise<string> {
  return secretLookup({
    'proftpd-key': ftpd.clientPrivateKey,
    'proftpd-password': PROFTPD_PASSWORD,
  });
}
