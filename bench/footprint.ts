/**
 * Footprint: what the service costs the machine it runs on, as an operator starts it. `npm start` on a fresh
 * data directory (embedded PGlite, sandbox banks on free loopback ports): time to the first `GET /healthz` 200,
 * resident memory of the whole process tree (npm, the runtime and its children) sampled every 200 ms, peak and
 * steady (the median of the last third of the window); then a warm start on the same directory; the same on
 * PostgreSQL; and the peak of `simulate`, which runs a whole business day.
 *
 *   npx tsx bench/footprint.ts   (BENCH_FOOTPRINT_SECONDS=60: how long each service run is watched;
 *                                 BENCH_DATABASE_URL: the PostgreSQL server, default
 *                                 postgres://postgres@127.0.0.1:5432/postgres, a fresh database per run)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/support/test-config.ts';
import { freshDatabase } from './fresh-database.ts';

const WATCH_SECONDS = Number(process.env.BENCH_FOOTPRINT_SECONDS ?? 60);
const PAGE_SAMPLE_MS = 200;

/** Resident bytes of `root` and every process below it, from /proc (Linux). */
function treeRss(root: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // the command name is in parentheses and may hold spaces: fields are counted after the last ')'
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      const pages = Number(fields[21]);
      const pid = Number(entry);
      rss.set(pid, pages * 4096);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // the process ended while we read it
    }
  }
  let total = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    total += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

/** A copy of the shipped configuration with the service and every sandbox bank on free ports. */
async function configOnFreePorts(dir: string): Promise<{ file: string; port: number }> {
  const config = JSON.parse(readFileSync('config/banking.json', 'utf8')) as {
    service?: Record<string, unknown>;
    banks: Array<Record<string, unknown>>;
  };
  for (const bank of config.banks) bank.sftp_port = await freePort();
  const port = await freePort();
  config.service = { ...config.service, port };
  const file = join(dir, 'banking.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return { file, port };
}

async function healthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Signals the whole process group (npm, the runtime, its children); ESRCH means it is gone already. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    process.kill(-child.pid!, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** SIGTERM to the group as an init system would send it, SIGKILL 20 s later if anything is left. */
async function stopTree(child: ChildProcess): Promise<void> {
  signalGroup(child, 'SIGTERM');
  const exited = child.exitCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r()));
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
  // npm may exit before the runtime below it: the group goes down with it, as a service manager would do
  signalGroup(child, 'SIGKILL');
}

interface Watched {
  startSeconds: number;
  peak: number;
  steady: number;
}

/** Starts `npm start`, times it to a healthy /healthz, watches its memory for `seconds`, stops it. */
async function watchService(env: NodeJS.ProcessEnv, configFile: string, port: number, seconds: number) {
  const child = spawn('npm', ['start', '--', '--config', configFile], {
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const samples: number[] = [];
  const t0 = performance.now();
  let startSeconds = Number.NaN;
  try {
    const deadline = t0 + 600_000;
    while (!(await healthy(port))) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode} before /healthz`);
      if (performance.now() > deadline) throw new Error('no /healthz within 600 s');
      samples.push(treeRss(child.pid!));
      await new Promise((r) => setTimeout(r, 50));
    }
    startSeconds = (performance.now() - t0) / 1000;
    const until = performance.now() + seconds * 1000;
    while (performance.now() < until) {
      samples.push(treeRss(child.pid!));
      await new Promise((r) => setTimeout(r, PAGE_SAMPLE_MS));
    }
  } finally {
    await stopTree(child);
  }
  const tail = samples.slice(Math.floor((samples.length * 2) / 3)).sort((a, b) => a - b);
  return { startSeconds, peak: Math.max(...samples), steady: tail[Math.floor(tail.length / 2)] ?? 0 } satisfies Watched;
}

async function peakOf(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ peak: number; seconds: number }> {
  const child = spawn(command, args, {
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const t0 = performance.now();
  let peak = 0;
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  let done = false;
  void exited.then(() => {
    done = true;
  });
  while (!done) {
    peak = Math.max(peak, treeRss(child.pid!));
    await new Promise((r) => setTimeout(r, PAGE_SAMPLE_MS));
  }
  const code = await exited;
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}`);
  return { peak, seconds: (performance.now() - t0) / 1000 };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-footprint-'));
  try {
    const { file, port } = await configOnFreePorts(dir);
    const dataDir = join(dir, 'data');
    const first = await watchService({ BANKING_DATA_DIR: dataDir }, file, port, WATCH_SECONDS);
    console.log(`footprint pglite first start to healthz: ${first.startSeconds.toFixed(2)} s`);
    console.log(`footprint pglite peak RSS: ${mb(first.peak)} MB`);
    console.log(`footprint pglite steady RSS: ${mb(first.steady)} MB`);
    const warm = await watchService({ BANKING_DATA_DIR: dataDir }, file, port, 5);
    console.log(`footprint pglite warm start to healthz: ${warm.startSeconds.toFixed(2)} s`);

    const database = await freshDatabase('bench_footprint');
    try {
      const onPg = await watchService(
        { BANKING_DATA_DIR: join(dir, 'data-pg'), DATABASE_URL: database.url },
        file,
        port,
        WATCH_SECONDS,
      );
      console.log(`footprint postgres peak RSS: ${mb(onPg.peak)} MB`);
      console.log(`footprint postgres steady RSS: ${mb(onPg.steady)} MB`);
    } finally {
      await database.drop();
    }

    const simulate = await peakOf(
      'npm',
      ['run', '-s', 'cli', '--', 'simulate', '--date', '2026-12-08', '--config', file],
      {
        BANKING_DATA_DIR: join(dir, 'data-simulate'),
      },
    );
    console.log(`footprint simulate peak RSS: ${mb(simulate.peak)} MB`);
    console.log(`footprint simulate wall time: ${simulate.seconds.toFixed(1)} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
