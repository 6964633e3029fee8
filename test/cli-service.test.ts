/**
 * The default install operated as the README says: the service on embedded PGlite, the CLI beside it. The CLI
 * goes through the running service (one owner of the database), a second serve is refused, and SIGTERM to the
 * wrapper that started the service (bin/banking-sftp.mjs, `npm start`) stops it with nothing left behind.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTestConfig } from './support/test-config.ts';

interface Started {
  child: ChildProcess;
  port: number;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `command` in a process group of its own and waits for the service's "serving" log line. */
async function startDetached(command: string, args: string[], env: Record<string, string>): Promise<Started> {
  const child = spawn(command, args, {
    env: { ...process.env, LOG_LEVEL: 'info', LOG_FORMAT: 'json', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "serving" line:\n${lines.join('\n')}`)), 90_000);
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        try {
          const entry = JSON.parse(line) as { msg?: string; port?: number };
          if (entry.msg === 'banking-sftp serving' && typeof entry.port === 'number') {
            clearTimeout(timer);
            resolve(entry.port);
          }
        } catch {
          // npm's own lines
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
    exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`exited before serving:\n${lines.join('\n')}`));
    });
  });
  return { child, port, lines, exited };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pgid: number): Promise<boolean> {
  // the wrapper has exited; its child may take a moment to be reaped
  for (let i = 0; i < 50 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 100));
  return !groupAlive(pgid);
}

function cli(configPath: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args, '--config', configPath], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, LOG_FORMAT: 'json' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const lines = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe.skipIf(process.env.TEST_DATABASE_URL)('the CLI beside the running service on PGlite', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'banking-cli-service-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('creates, uses, lists and revokes a token through the service; a second serve is refused; SIGTERM to bin/banking-sftp.mjs leaves nothing', async () => {
    const dataDir = join(scratch, 'one');
    const configPath = await writeTestConfig(join(scratch), { dataDir });
    const service = await startDetached(
      process.execPath,
      ['bin/banking-sftp.mjs', 'serve', '--config', configPath],
      {},
    );
    try {
      const lockFile = join(dataDir, 'pglite.lock');
      expect(statSync(lockFile).mode & 0o777).toBe(0o600);
      const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { pid: number; port: number };
      expect(lock.port).toBe(service.port);

      const created = cli(configPath, 'tokens', 'create', '--role', 'viewer', '--name', 'grafana');
      expect(created.code, created.stderr).toBe(0);
      const token = lines(created.stdout)[0] as { id: number; token: string };
      const health = await fetch(`http://127.0.0.1:${service.port}/api/v1/banking-monitor/health`, {
        headers: { authorization: `Bearer ${token.token}` },
      });
      expect(health.status).toBe(200);

      const listed = lines(cli(configPath, 'tokens', 'list').stdout);
      expect(listed.filter((t) => t.name === 'grafana')).toHaveLength(1);
      const revoked = cli(configPath, 'tokens', 'revoke', String(token.id));
      expect(revoked.code, revoked.stderr).toBe(0);
      // a bank's connection, and an incident rehearsed on it: the sandbox refuses connections, then recovers
      const up = cli(configPath, 'bank', 'test-connection', '--bank', 'mega');
      expect(up.code, up.stderr).toBe(0);
      expect(JSON.parse(up.stdout)).toMatchObject({ bank_code: 'mega', ok: true });
      expect(cli(configPath, 'sandbox', 'fault', '--bank', 'mega', '--refuse-connections').code).toBe(0);
      const down = cli(configPath, 'bank', 'test-connection', '--bank', 'mega');
      expect(down.code).toBe(1);
      expect(JSON.parse(down.stdout)).toMatchObject({ ok: false });
      expect(cli(configPath, 'sandbox', 'fault', '--bank', 'mega').code).toBe(0);
      expect(lines(cli(configPath, 'sandbox', 'faults').stdout)).toContainEqual({ bank_code: 'mega', faults: {} });

      const audit = lines(cli(configPath, 'audit', '--actor', 'local-cli#1').stdout);
      expect(audit.map((a) => a.action)).toEqual(
        expect.arrayContaining(['token.create', 'token.revoke', 'sandbox.faults', 'bank.test_connection']),
      );
      const second = cli(configPath, 'serve');
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`pid ${lock.pid}`);
      expect(second.stderr).toContain(`port ${service.port}`);

      // stop through the wrapper, as systemd would
      process.kill(service.child.pid!, 'SIGTERM');
      expect((await service.exited).code).toBe(0);
      expect(await waitGone(service.child.pid!)).toBe(true);
      await expect(fetch(`http://127.0.0.1:${service.port}/healthz`)).rejects.toThrow();
      expect(existsSync(lockFile)).toBe(false);
      // (read once the service has ended: spawnSync held this process while it wrote) one access line per request, with the token's id and never the token
      const access = service.lines.filter((l) => l.includes('"msg":"http request"'));
      expect(
        access.some(
          (l) => l.includes('"route":"/api/v1/banking-monitor/health"') && l.includes(`"token_id":${token.id}`),
        ),
      ).toBe(true);
      expect(service.lines.join('\n')).not.toContain(token.token);
      expect(
        service.lines.some((l) => l.includes('"msg":"operator action"') && l.includes('"action":"sandbox.faults"')),
      ).toBe(true);
    } finally {
      if (groupAlive(service.child.pid!)) process.kill(-service.child.pid!, 'SIGKILL');
    }

    // the database opens cleanly afterwards: every row once, and a new token goes in
    const after = lines(cli(configPath, 'tokens', 'list').stdout);
    expect(after.map((t) => t.name)).toEqual(['local-cli', 'grafana']);
    expect(after.every((t) => t.revoked_at !== null)).toBe(true);
    const again = cli(configPath, 'tokens', 'create', '--role', 'operator', '--name', 'ops');
    expect(again.code, again.stderr).toBe(0);
    expect(lines(cli(configPath, 'tokens', 'list').stdout).map((t) => t.id)).toEqual([1, 2, 3]);
  }, 240_000);

  it('SIGTERM to the `npm start` process group leader stops the service and leaves no process', async () => {
    const dataDir = join(scratch, 'two');
    const configPath = await writeTestConfig(join(scratch), { dataDir });
    const service = await startDetached('npm', ['start', '--silent', '--', '--config', configPath], {});
    try {
      process.kill(service.child.pid!, 'SIGTERM');
      await service.exited;
      expect(await waitGone(service.child.pid!)).toBe(true);
      await expect(fetch(`http://127.0.0.1:${service.port}/healthz`)).rejects.toThrow();
      expect(service.lines.join('\n')).toMatch(/banking-sftp stopped/);
    } finally {
      if (groupAlive(service.child.pid!)) process.kill(-service.child.pid!, 'SIGKILL');
    }
  }, 180_000);
});
