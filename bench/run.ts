/**
 * `npm run bench [-- <name> …]`: runs the named benchmarks (all of them without a name), each in its own child
 * process so one's memory does not colour another's, echoes their lines, and writes bench/results/latest.md:
 * every figure (`<name>: <value> <unit>`) and comparison (`ratio <what>: <ours/theirs>`) next to its target.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ALL = ['formats', 'sftp', 'pgp', 'e2e', 'api'];

/** Targets from the issues: figure name pattern -> target text and check. */
const TARGETS: Array<{ match: RegExp; target: string; ok: (value: number) => boolean }> = [
  { match: /^fixed_width (generate|parse)/, target: '>= 1,000,000 records/s', ok: (v) => v >= 1_000_000 },
  { match: /peak RSS.*1 ?GB.*parse|parse.*1 ?GB.*peak RSS/i, target: '< 150 MB', ok: (v) => v < 150 },
  { match: /^ratio (encrypt|decrypt) openpgp vs gpg/, target: '>= 0.8', ok: (v) => v >= 0.8 },
  { match: /pgp.*peak RSS/i, target: '< 200 MB', ok: (v) => v < 200 },
  // the uncached dashboard is a reference figure (what the cache saves), not the served path the target is for
  { match: /^api (?!.*uncached).*p99/, target: '< 50 ms', ok: (v) => v < 50 },
  { match: /^ratio .*p99 \/ 50 ms target/, target: '< 1', ok: (v) => v < 1 },
  { match: /^api health throughput/, target: '> 5,000 req/s', ok: (v) => v > 5000 },
  { match: /^ratio health req\/s \/ 5000 target/, target: '> 1', ok: (v) => v > 1 },
  { match: /^e2e total/, target: '< 10 s', ok: (v) => v < 10 },
];

interface Row {
  bench: string;
  name: string;
  value: number;
  unit: string;
}

function runOne(name: string): Promise<{ rows: Row[]; code: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, `${name}.ts`)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const rows: Row[] = [];
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      buffer += chunk.toString('utf8');
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        const m = /^(.+?):\s+(-?[\d.]+(?:e[+-]?\d+)?)\s*(.*)$/i.exec(line);
        if (m) rows.push({ bench: name, name: m[1]!, value: Number(m[2]), unit: m[3] ?? '' });
        newline = buffer.indexOf('\n');
      }
    });
    child.on('exit', (code) => resolve({ rows, code: code ?? 1 }));
  });
}

/** The BENCH_* settings of this invocation, so the command in the report reproduces it. */
function benchEnv(): string {
  const set = Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_'));
  return set.map(([k, v]) => `${k}=${k.endsWith('DATABASE_URL') ? '…' : v} `).join('');
}

async function main() {
  const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const names = requested.length > 0 ? requested : ALL.filter((n) => existsSync(join(here, `${n}.ts`)));
  const unknown = names.filter((n) => !existsSync(join(here, `${n}.ts`)));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; available: ${ALL.join(', ')}\n`);
    process.exit(2);
  }
  const all: Row[] = [];
  const failures: string[] = [];
  const startedAt = new Date();
  const loadBefore = loadavg();
  for (const name of names) {
    process.stdout.write(`== bench ${name}\n`);
    const { rows, code } = await runOne(name);
    all.push(...rows);
    if (code !== 0) failures.push(`${name} (exit ${code})`);
  }
  const loadAfter = loadavg();
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  const cell = (r: Row) => {
    const target = TARGETS.find((t) => t.match.test(r.name));
    const verdict = target ? (target.ok(r.value) ? 'pass' : '**fail**') : '';
    return `| ${r.bench} | ${r.name} | ${r.value} | ${r.unit} | ${target?.target ?? ''} | ${verdict} |`;
  };
  const figures = all.filter((r) => !r.name.startsWith('ratio '));
  const ratios = all.filter((r) => r.name.startsWith('ratio '));
  const lines = [
    '# Benchmark results',
    '',
    `- date: ${startedAt.toISOString()} (took ${Math.round((Date.now() - startedAt.getTime()) / 1000)} s)`,
    `- command: \`${benchEnv()}npm run bench -- ${names.join(' ')}\``,
    `- machine: ${cpus().length} cpus (${cpus()[0]?.model ?? 'unknown'}), ${process.platform}/${process.arch}, Node ${process.version}`,
    `- load average (1 / 5 / 15 min): ${load(loadBefore)} before, ${load(loadAfter)} after (the machine is shared: figures under load are lower bounds)`,
    ...(failures.length > 0 ? [`- **failed**: ${failures.join(', ')}`] : []),
    '',
    '## Figures',
    '',
    '| bench | figure | value | unit | target | result |',
    '|---|---|---|---|---|---|',
    ...figures.map(cell),
    '',
    '## Comparisons (ours / theirs, measured in this same invocation: OpenSSH `sftp`, the `gpg` CLI)',
    '',
    '| bench | comparison | ratio | unit | target | result |',
    '|---|---|---|---|---|---|',
    ...ratios.map(cell),
    '',
  ];
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'latest.md'), lines.join('\n'));
  process.exit(failures.length > 0 ? 1 : 0);
}

main();
