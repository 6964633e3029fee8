/**
 * `--help` on every command and subcommand prints usage on stdout, exits 0 and does nothing else: no data
 * directory, database or sandbox created, no port opened. Usage errors exit 2, `--version` prints the version.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTestConfig, freePort } from '../../test/support/test-config.ts';
import { commands } from './commands.ts';

const scratch = mkdtempSync(join(tmpdir(), 'banking-help-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const SUBCOMMANDS: Record<string, string[]> = {
  config: ['check'],
  bank: ['test-connection'],
  'retry-queue': ['list', 'retry'],
  pgp: ['protect', 'open'],
  ach: ['generate', 'parse', 'validate'],
  keys: ['generate', 'show'],
  sandbox: ['faults', 'fault'],
  tokens: ['create', 'list', 'revoke'],
};

describe('banking-sftp --help', () => {
  it('every command and subcommand answers --help and -h with its usage and touches nothing', async () => {
    const dataDir = join(scratch, 'data');
    const config = await buildTestConfig({
      dataDir,
      overrides: { service: { port: await freePort(), host: '127.0.0.1' } },
    });
    const { writeFileSync } = await import('node:fs');
    const configPath = join(scratch, 'banking.json');
    writeFileSync(configPath, JSON.stringify(config));
    const servicePort = (config.service as { port: number }).port;
    const bankPorts = (config.banks as Array<{ sftp_port: number }>).map((b) => b.sftp_port);

    const invocations: string[][] = [];
    for (const name of Object.keys(commands)) {
      invocations.push([name, '--help'], [name, '-h']);
      for (const sub of SUBCOMMANDS[name] ?? [])
        invocations.push([name, sub, '--help'], [name, sub, '--bank', 'mega', '-h']);
    }
    for (const args of invocations) {
      const r = cli([...args, '--config', configPath], { PORT: String(servicePort) });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/^usage:/);
      expect(r.stdout).toContain(`banking-sftp ${args[0]}`);
      expect(r.stderr, args.join(' ')).toBe('');
    }
    expect(existsSync(dataDir)).toBe(false);
    expect(readdirSync(scratch)).toEqual(['banking.json']);
    for (const port of [servicePort, ...bankPorts]) expect(await portFree(port)).toBe(true);
  }, 240_000);

  it('prints the version and the command list, and wrong usage exits 2', () => {
    const version = cli(['--version']);
    expect(version.code).toBe(0);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(version.stdout.trim()).toBe(`banking-sftp ${pkg.version}`);
    const help = cli(['--help']);
    expect(help.code).toBe(0);
    for (const name of Object.keys(commands)) expect(help.stdout).toContain(`  ${name} `);
    expect(cli([]).code).toBe(2);
    expect(cli(['frobnicate']).code).toBe(2);
    const badOption = cli(['tokens', 'list', '--colour']);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain('--colour');
  });

  it('refuses a date that is not on the calendar before using it', () => {
    const r = cli(['simulate', '--date', '2026-02-30']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--date must be a calendar date YYYY-MM-DD, got "2026-02-30"');
    const audit = cli(['audit', '--since', '2026-13-01']);
    expect(audit.code).toBe(2);
  });
});
