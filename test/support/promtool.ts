/** Runs the real promtool (Debian package `prometheus`, installed by .ci/run); missing is an error, not a skip. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PROMTOOL = process.env.PROMTOOL ?? '/usr/bin/promtool';

export function promtool(args: string[], input?: string) {
  if (!existsSync(PROMTOOL)) {
    throw new Error(`promtool not found at ${PROMTOOL}: install the Debian package "prometheus" (or set PROMTOOL)`);
  }
  const result = spawnSync(PROMTOOL, args, { input, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** promtool check metrics findings, less the one the spec's metric name makes unavoidable (a `_days` unit). */
export function metricsProblems(text: string): string[] {
  return promtool(['check', 'metrics'], text)
    .output.split('\n')
    .filter((l) => l.trim() !== '')
    .filter((l) => l !== 'banking_pgp_key_expiry_days use base unit "seconds" instead of "days"');
}
