#!/usr/bin/env node
// The published command: runs the TypeScript CLI through tsx (resolved from this package, so it works from any
// working directory), with no build step. The CLI runs in a child process: SIGTERM, SIGINT and SIGHUP sent to
// this wrapper are passed on to it, and the wrapper ends with the child's exit code (or its signal), so a
// supervisor (systemd, a container runtime) that signals the wrapper stops the service and leaves no orphan.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsx = pathToFileURL(createRequire(join(root, 'package.json')).resolve('tsx')).href;
const child = spawn(process.execPath, ['--import', tsx, join(root, 'src/cli.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(signal, () => {
    // a Ctrl-C on a terminal reaches the child too (same process group); passing it on again is harmless
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}
child.on('error', (error) => {
  process.stderr.write(`banking-sftp: cannot start the CLI: ${error.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (signal) {
    // end the way the child ended, so the supervisor sees the signal
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});
