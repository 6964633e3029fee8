/**
 * Servers that announce channel parameters ssh2 cannot send through, built with asyncssh (Debian's
 * python3-asyncssh lets a server set the maximum packet and window it announces; ssh2's own Server class has no
 * public setting for them). Against a zero maximum packet, ssh2 1.17 on its own splits the SFTP INIT into zero-byte
 * packets forever, synchronously (checked: a 3 s timer never fired), so each connection attempt runs in a child
 * process with a deadline: a regression fails the test instead of hanging the run. The well-behaved case also
 * shows the probe channel does not upset asyncssh, which drops the whole connection if an unused SFTP session is
 * closed.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const PYTHON = '/usr/bin/python3';

/** argv: max packet, window. Prints `<port> <SHA256 fingerprint>`; ends when stdin closes or after 120 s. */
const SERVER = `
import asyncio, sys, asyncssh
pkt, win = int(sys.argv[1]), int(sys.argv[2])
class NoAuth(asyncssh.SSHServer):
    def begin_auth(self, username): return False
async def main():
    key = asyncssh.generate_private_key('ssh-ed25519')
    server = await asyncssh.create_server(NoAuth, '127.0.0.1', 0, server_host_keys=[key], sftp_factory=True,
                                          max_pktsize=pkt, window=win)
    print(server.sockets[0].getsockname()[1], key.get_fingerprint('sha256'), flush=True)
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(loop.run_in_executor(None, sys.stdin.read), 120)
    except asyncio.TimeoutError:
        pass
asyncio.run(main())
`;

/** argv: bank JSON. Connects, stats `.`, prints the outcome as JSON. */
const CLIENT = `
import { openSftpConnection } from ${JSON.stringify(pathToFileURL(join(ROOT, 'src/infra/sftp/connection.ts')).href)};
const bank = JSON.parse(process.argv[2]);
const started = Date.now();
try {
  const conn = await openSftpConnection(bank, { getSecret: async () => 'unused', timeouts: { operationMs: 5000 } });
  const path = await conn.realpath('.');
  await conn.close();
  console.log(JSON.stringify({ ok: true, path, channel: conn.info.channel, ms: Date.now() - started }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, code: error.code, retryClass: error.retryClass, message: error.message,
    ms: Date.now() - started }));
}
`;

let dir: string;
const servers: ChildProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'banking-hostile-'));
  writeFileSync(join(dir, 'server.py'), SERVER);
  writeFileSync(join(dir, 'client.mts'), CLIENT);
});

afterAll(() => {
  for (const server of servers) server.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function startServer(maxPacket: number, window: number): Promise<{ port: number; fingerprint: string }> {
  const child = spawn(PYTHON, [join(dir, 'server.py'), String(maxPacket), String(window)], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  servers.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`asyncssh server exited (${code})`)));
    child.stdout!.on('data', (data: Buffer) => {
      out += data.toString();
      const m = /^(\d+) (SHA256:\S+)/.exec(out);
      if (m) resolve({ port: Number(m[1]), fingerprint: m[2]! });
    });
  });
}

function connectInChild(server: { port: number; fingerprint: string }) {
  const bank = {
    bank_code: 'hostile',
    sftp_host: '127.0.0.1',
    sftp_port: server.port,
    sftp_username: 'payer',
    auth: { method: 'password', password_secret: 'unused' },
    host_key_sha256: server.fingerprint,
    insecure_accept_any_host_key: false,
  };
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(dir, 'client.mts'), JSON.stringify(bank)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(result.signal, `the client hung (killed after 30 s): ${result.stderr}`).toBeNull();
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
    ok: boolean;
    code?: string;
    retryClass?: string;
    message?: string;
    channel?: { maxPacket: number; window: number };
  };
}

describe('servers announcing unusable channel parameters', () => {
  it('a well-behaved asyncssh server is accepted (the peer itself works)', async () => {
    const outcome = connectInChild(await startServer(32_768, 2 * 1024 * 1024));
    expect(outcome).toMatchObject({ ok: true, channel: { maxPacket: 32_768, window: 2 * 1024 * 1024 } });
  }, 60_000);

  it('a zero maximum packet size is refused with hostile_peer before any SFTP request', async () => {
    const outcome = connectInChild(await startServer(0, 2 * 1024 * 1024));
    expect(outcome).toMatchObject({ ok: false, code: 'hostile_peer', retryClass: 'critical' });
    expect(outcome.message).toContain('maximum packet size 0 bytes');
    expect(outcome.message).toContain('bank hostile');
  }, 60_000);

  it('a zero initial window is refused with hostile_peer', async () => {
    const outcome = connectInChild(await startServer(32_768, 0));
    expect(outcome).toMatchObject({ ok: false, code: 'hostile_peer', retryClass: 'critical' });
    expect(outcome.message).toContain('initial window 0 bytes');
  }, 60_000);

  it('a maximum packet too small for one SFTP request (100 bytes) is refused', async () => {
    const outcome = connectInChild(await startServer(100, 2 * 1024 * 1024));
    expect(outcome).toMatchObject({ ok: false, code: 'hostile_peer' });
    expect(outcome.message).toContain('maximum packet size 100 bytes');
  }, 60_000);
});
