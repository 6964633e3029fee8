/**
 * An OpenSSH server that offers only legacy algorithms, as an old bank host does: an RSA host key signed with
 * SHA-1 (`ssh-rsa`), `diffie-hellman-group14-sha1`, AES-CBC and HMAC-SHA1. Built on `startSshd` (same users, keys
 * and files dir); only the host key and the algorithm lists differ. `LEGACY_ALGORITHMS` is the bank
 * `algorithms` setting that lets our client talk to it.
 *
 * @example
 *   const sshd = await startLegacySshd();
 *   const bank = sshdBank(sshd, { host_key_sha256: sshd.hostKeyFingerprint, algorithms: LEGACY_ALGORITHMS });
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostKeyFingerprint } from './server-process.ts';
import { type SshdHandle, startSshd } from './sshd.ts';

export const LEGACY_ALGORITHMS = {
  kex: ['diffie-hellman-group14-sha1'],
  serverHostKey: ['ssh-rsa'],
  cipher: ['aes128-cbc', 'aes256-cbc'],
  hmac: ['hmac-sha1'],
};

/** `hostKeyOnly`: modern kex, ciphers and MACs, and only the SHA-1 `ssh-rsa` host key algorithm. */
export async function startLegacySshd(options: { hostKeyOnly?: boolean } = {}): Promise<SshdHandle> {
  const keys = mkdtempSync(join(tmpdir(), 'legacy-sshd-key-'));
  const hostKey = join(keys, 'host_rsa');
  execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', hostKey]);
  const sshd = await startSshd({
    extraConfig: [
      `HostKey ${hostKey}`,
      'HostKeyAlgorithms ssh-rsa',
      ...(options.hostKeyOnly
        ? []
        : ['KexAlgorithms diffie-hellman-group14-sha1', 'Ciphers aes128-cbc,aes256-cbc', 'MACs hmac-sha1']),
    ],
  });
  const fingerprint = hostKeyFingerprint(`${hostKey}.pub`);
  return {
    ...sshd,
    hostKeyFingerprint: fingerprint,
    async stop(options) {
      await sshd.stop(options);
      rmSync(keys, { recursive: true, force: true });
    },
  };
}
