/**
 * The `banking-sftp` command. Each sub-command lives in its own module under src/cli/ and is loaded only when
 * called, so `ach parse` does not start a database. `--help`/`-h` anywhere (before `--`) prints the command's
 * usage from commands.ts and loads nothing. Exit codes: 0 success, 1 runtime failure, 2 usage error.
 */
import { readFileSync } from 'node:fs';
import { commands } from './cli/commands.ts';
import { CommandFailed, UsageError } from './cli/usage-error.ts';

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return `usage: banking-sftp <command> [options]\n       banking-sftp <command> --help\n       banking-sftp --version\n\ncommands:\n${lines.join('\n')}\n`;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function wantsHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    process.stdout.write(`banking-sftp ${version()}\n`);
    return 0;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    process.stdout.write(topic && commands[topic] ? `${commands[topic].usage}\n` : usage());
    return 0;
  }
  if (!name) {
    process.stderr.write(usage());
    return 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`banking-sftp: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  if (wantsHelp(rest)) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  const module = await command.load();
  try {
    return await module.run(rest);
  } catch (error) {
    // node:util parseArgs refusing an option is wrong usage too, in every command
    const parseArgsError = String((error as { code?: unknown })?.code ?? '').startsWith('ERR_PARSE_ARGS');
    if (error instanceof UsageError || parseArgsError) {
      process.stderr.write(`banking-sftp ${name}: ${(error as Error).message}\n\n${command.usage}\n`);
      return 2;
    }
    if (error instanceof CommandFailed) {
      process.stderr.write(`banking-sftp ${name}: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // serve keeps running; every other command ends with its exit code
    if (code !== -1) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`banking-sftp: ${(error as Error)?.message ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
