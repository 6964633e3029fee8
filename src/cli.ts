/**
 * The `banking-sftp` command. Each sub-command lives in its own module under src/cli/ and is loaded only when
 * called, so `ach parse` does not start a database.
 *
 *   banking-sftp serve [--config FILE]      start the service (migrates first)
 *   banking-sftp migrate [--config FILE]    apply database migrations
 *   banking-sftp seed-demo [--config FILE]  insert demo invoices
 */
import { commands } from './cli/commands.ts';

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return `usage: banking-sftp <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`banking-sftp: unknown command '${name}'\n\n${usage()}`);
    return 1;
  }
  const module = await command.load();
  return module.run(rest);
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
