/**
 * `npm run bench [-- <name> …]`: runs the named benchmarks (all of them without a name), each in its own child
 * process so one's memory does not colour another's, echoes their lines, and writes bench/results/latest.md:
 * every figure (`<name>: <value> <unit>`) and comparison (`ratio <what>: <ours/theirs>`) next to its target.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ALL = ['formats', 'sftp', 'pgp', 'api'];

/** Targets from the issues: figure name pattern -> target text and check. */
const TARGETS: Array<{ match: RegExp; target: string; ok: (value: number) => boolean }> = [
  { match: /^fixed_width (generate|parse)/, target: '>= 1,000,000 records/s', ok: (v) => v >= 1_000_000 },
  { match: /peak RSS.*1 ?GB.*parse|parse.*1 ?GB.*peak RSS/i, target: '< 150 MB', ok: (v) => v < 150 },
  { match: /^ratio (upload|download) vs openssh/, target: '>= 0.9', ok: (v) => v >= 0.9 },
  { match: /^ratio (encrypt|decrypt) openpgp vs gpg/, target: '>= 0.8', ok: (v) => v >= 0.8 },
  { match: /pgp.*peak RSS/i, target: '< 200 MB', ok: (v) => v < 200 },
  { match: /p99/, target: '< 50 ms', ok: (v) => v < 50 },
  { match: /health.*req/, target: '> 5,000 req/s', ok: (v) => v > 5000 },
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

async function main() {
  const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const names = requested.length > 0 ? requested : ALL.filter((n) => existsSync(join(here, `${n}.ts`)));
  const unknown = names.filter((n) => !existsSync(join(here, `${n}.ts`)));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; available: ${ALL.join(', ')}\n`);
    process.exit(2);
  }
  const all: Row[] = [];
  let failed = 0;
  for (const name of names) {
    process.stdout.write(`== bench ${name}\n`);
    const { rows, code } = await runOne(name);
    all.push(...rows);
    if (code !== 0) failed++;
  }
  const lines = [
    '# Benchmark results',
    '',
    `Run ${new Date().toISOString()} on ${process.platform}/${process.arch}, Node ${process.version}; \`npm run bench -- ${names.join(' ')}\`.`,
    '',
    '| bench | figure | value | unit | target | met |',
    '|---|---|---|---|---|---|',
    ...all.map((r) => {
      const target = TARGETS.find((t) => t.match.test(r.name));
      return `| ${r.bench} | ${r.name} | ${r.value} | ${r.unit} | ${target?.target ?? ''} | ${target ? (target.ok(r.value) ? 'yes' : 'no') : ''} |`;
    }),
    '',
  ];
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'latest.md'), lines.join('\n'));
  process.exit(failed > 0 ? 1 : 0);
}

main();
