/**
 * `npm run bench -- formats`: records per second to generate and to parse 1,000,000 detail records in each format,
 * and the peak RSS of streaming-parsing a 1 GB reconciliation file in a child process. Targets: >= 1,000,000
 * records/s for fixed_width; < 150 MB peak RSS for the 1 GB parse.
 *
 * The RSS is measured twice: in plain Node on this file bundled by esbuild (tsx's own dependency), which is the
 * parser's memory, and under the tsx loader the service runs with, next to that loader's baseline (a child that
 * only imports the module): the loader's worker thread alone holds about 100 MB, whatever the file size.
 * BENCH_RECORDS and BENCH_GB shrink the run for a quick look.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type FileFormat,
  generatePaymentFile,
  generateReconciliationFile,
  type PaymentBatchInput,
  parsePaymentFile,
  parseReconciliationStream,
} from '../src/domain/formats/index.ts';
import { readFileChunks } from '../src/infra/storage/file-chunks.ts';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const GB = Number(process.env.BENCH_GB ?? 1);
const CHUNK = 5000; // one file holds at most 5,000 transactions: a million records are 200 files

function batchOf(n: number, offset: number): PaymentBatchInput {
  return {
    batch_number: 'MEGA202611260001',
    created_at: '2026-11-26T06:00:00+08:00',
    value_date: '2026-11-26',
    file_sequence: 1,
    fisc_code: '017',
    originator: {
      company_code: 'LUCKYGAS',
      company_name: '幸福氣體有限公司',
      id_number: '04595257',
      bank_unit: '0170077',
      account_number: '00770012345678',
    },
    transactions: Array.from({ length: n }, (_, i) => ({
      transaction_id: `TX${String(offset + i).padStart(12, '0')}`,
      direction: i % 2 ? 'credit' : 'debit',
      txid: '904',
      fisc_code: '822',
      branch_code: '0901',
      account_number: String(100000000000 + offset + i),
      account_holder: i % 3 ? '王小明' : '陳恒毅有限公司',
      amount_cents: (i % 9000) * 100 + 100,
      id_number: 'A123456789',
      description: '瓦斯費 2026-11',
      customer_reference: 'C000123',
      cno: 'C000123',
    })),
  } as PaymentBatchInput;
}

/**
 * Each 5,000-transaction batch is built (untimed), generated, parsed and dropped before the next, the way a
 * payment run handles them: holding a million input objects and 200 MB of files at once would time the garbage
 * collector walking them, not the formats.
 */
function measure(format: FileFormat) {
  const encoding = format === 'csv' ? 'UTF-8' : 'Big5';
  let generateMs = 0;
  let parseMs = 0;
  let parsed = 0;
  for (let offset = 0; offset < RECORDS; offset += CHUNK) {
    const batch = batchOf(Math.min(CHUNK, RECORDS - offset), offset);
    let t0 = performance.now();
    const bytes = generatePaymentFile(format, batch, { encoding }).bytes;
    generateMs += performance.now() - t0;
    t0 = performance.now();
    parsed += parsePaymentFile(format, bytes, { encoding, fileName: 'bench' }).transactions.length;
    parseMs += performance.now() - t0;
  }
  if (parsed !== RECORDS) throw new Error(`parsed ${parsed} of ${RECORDS}`);
  console.log(`${format} generate: ${Math.round(RECORDS / (generateMs / 1000))} records/s`);
  console.log(`${format} parse: ${Math.round(RECORDS / (parseMs / 1000))} records/s`);
}

/** Child mode: report the RSS of a process that has loaded the formats module and parsed nothing. */
function baseline() {
  console.log(JSON.stringify({ count: typeof parseReconciliationStream, maxRssKb: process.resourceUsage().maxRSS }));
}

/** Child mode: stream-parse the file and report peak RSS. */
async function parseLarge(path: string) {
  let count = 0;
  // read as the CLI's `ach validate` reads a reconciliation file: one buffer, refilled (file-chunks.ts)
  const stream = parseReconciliationStream('fixed_width', readFileChunks(path), {
    encoding: 'Big5',
    fileName: path,
  });
  for await (const _ of stream) count++;
  console.log(JSON.stringify({ count, maxRssKb: process.resourceUsage().maxRSS }));
}

function writeLargeFile(path: string, bytes: number): number {
  const records = Array.from({ length: 1000 }, (_, i) => ({
    record_type: i % 10 ? 'D' : 'R',
    seq: i + 1,
    transaction_id: `TX${String(i).padStart(12, '0')}`,
    bank_reference: `B${String(i).padStart(8, '0')}`,
    code: i % 10 ? '000' : 'R01',
    message: i % 10 ? '交易成功' : '餘額不足',
    date: '2026-11-26',
    amount_cents: 150000,
  }));
  const block = generateReconciliationFile('fixed_width', { records }, { encoding: 'Big5' });
  const fd = openSync(path, 'w');
  let written = 0;
  let lines = 0;
  while (written < bytes) {
    writeSync(fd, block);
    written += block.length;
    lines += records.length;
  }
  closeSync(fd);
  return lines;
}

export async function run(): Promise<void> {
  for (const format of ['fixed_width', 'tch_ach', 'csv'] as const) measure(format);
  const dir = mkdtempSync(join(tmpdir(), 'bench-formats-'));
  try {
    const path = join(dir, 'REC_big.txt');
    const lines = writeLargeFile(path, GB * 1024 ** 3);
    const bundle = join(dir, 'formats-bench.mjs');
    const { build } = await import('esbuild');
    await build({
      entryPoints: [fileURLToPath(import.meta.url)],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: bundle,
      external: ['esbuild'],
      // iconv-lite is CommonJS and requires node builtins
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    });
    const here = fileURLToPath(import.meta.url);
    const child = (args: string[]) => {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
      const seconds = (performance.now() - t0) / 1000;
      const out = JSON.parse(r.stdout.trim().split('\n').pop() || '{}') as { count: number; maxRssKb: number };
      if (args.includes('--parse-large') && out.count !== lines) {
        throw new Error(`streamed ${out.count} of ${lines} records: ${r.stderr}`);
      }
      return { seconds, mb: Math.round(out.maxRssKb / 1024) };
    };
    const plain = child([bundle, '--parse-large', path]);
    const loader = child(['--import', 'tsx', here, '--baseline']);
    const underTsx = child(['--import', 'tsx', here, '--parse-large', path]);
    console.log(`fixed_width stream parse 1 GB peak RSS: ${plain.mb} MB`);
    console.log(`fixed_width stream parse 1 GB: ${Math.round(lines / plain.seconds)} records/s`);
    console.log(`tsx loader baseline RSS: ${loader.mb} MB`);
    console.log(`fixed_width stream parse 1 GB peak RSS under tsx: ${underTsx.mb} MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--parse-large') {
  await parseLarge(process.argv[3]!);
} else if (process.argv[2] === '--baseline') {
  baseline();
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
