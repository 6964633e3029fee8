/**
 * Helpers shared by the test servers started as child processes (ProFTPD, asyncssh, legacy OpenSSH): wait until
 * the port accepts a TCP connection (failing early with the server's own output if it exits), and the OpenSSH
 * SHA-256 fingerprint of a public key file, the form a bank's `host_key_sha256` pins.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { connect } from 'node:net';

export async function waitForPort(port: number, child: ChildProcess, name: string, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}): ${log()}`);
    }
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
  throw new Error(`${name} did not listen on ${port}: ${log()}`);
}

export function hostKeyFingerprint(publicKeyPath: string): string {
  const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyPath], { encoding: 'utf8' });
  const match = /SHA256:[A-Za-z0-9+/]+/.exec(out);
  if (!match) throw new Error(`no fingerprint in ${out}`);
  return match[0];
}
