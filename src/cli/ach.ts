/**
 * `banking-sftp ach generate|parse|validate` (docs/cli.md): build, inspect and check bank files by hand.
 * Exit 0 on success, 2 on a validation or parse error (one JSON object on stderr) and on wrong usage.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  BatchValidationError,
  type Encoding,
  type FileFormat,
  FormatParseError,
  generatePaymentFile,
  type PaymentBatchInput,
  parsePaymentFile,
  parseReconciliationFile,
  parseReconciliationStream,
} from '../domain/formats/index.ts';
import { readFileChunks } from '../infra/storage/file-chunks.ts';

const FORMATS = ['fixed_width', 'tch_ach', 'csv'];

function usage(message: string): number {
  process.stderr.write(
    `banking-sftp ach: ${message}\nusage:\n  ach generate --format F --input batch.json [--output FILE] [--encoding Big5|UTF-8]\n  ach parse --format F --kind payment|reconciliation --input FILE [--encoding E]\n  ach validate --format F --kind payment|reconciliation --input FILE [--encoding E]\n`,
  );
  return 2;
}

function printError(error: unknown, file: string): number {
  if (error instanceof FormatParseError) {
    process.stderr.write(`${JSON.stringify({ error: error.toJSON() })}\n`);
    return 2;
  }
  process.stderr.write(
    `${JSON.stringify({ error: { file, line: null, record_type: null, field: null, position: null, value: null, message: (error as Error).message } })}\n`,
  );
  return 2;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: rest,
      options: {
        format: { type: 'string' },
        kind: { type: 'string' },
        input: { type: 'string' },
        output: { type: 'string' },
        encoding: { type: 'string' },
      },
    }).values as Record<string, string | undefined>;
  } catch (error) {
    return usage((error as Error).message);
  }
  const format = values.format as FileFormat | undefined;
  if (!format || !FORMATS.includes(format)) return usage(`--format must be one of ${FORMATS.join(', ')}`);
  if (!values.input) return usage('--input is required');
  const encoding = (values.encoding ?? (format === 'csv' ? 'UTF-8' : 'Big5')) as Encoding;
  if (encoding !== 'Big5' && encoding !== 'UTF-8') return usage('--encoding must be Big5 or UTF-8');
  const fileName = values.input;

  if (sub === 'generate') {
    let batch: PaymentBatchInput;
    try {
      batch = JSON.parse(readFileSync(fileName, 'utf8')) as PaymentBatchInput;
    } catch (error) {
      process.stderr.write(
        `${JSON.stringify({ errors: [{ transaction_id: null, field: 'input', message: `cannot read ${fileName}: ${(error as Error).message}` }] })}\n`,
      );
      return 2;
    }
    try {
      const { bytes, warnings } = generatePaymentFile(format, batch, { encoding });
      if (warnings.length > 0) {
        process.stderr.write(
          `${JSON.stringify({ warnings: warnings.map(({ transaction_id, field, message }) => ({ transaction_id, field, message })) })}\n`,
        );
      }
      if (values.output) writeFileSync(values.output, bytes);
      else process.stdout.write(bytes);
      return 0;
    } catch (error) {
      if (error instanceof BatchValidationError) {
        process.stderr.write(
          `${JSON.stringify({ errors: error.errors.map(({ transaction_id, field, message }) => ({ transaction_id, field, message })) })}\n`,
        );
        return 2;
      }
      throw error;
    }
  }

  if (sub === 'parse' || sub === 'validate') {
    const kind = values.kind;
    if (kind !== 'payment' && kind !== 'reconciliation') return usage('--kind must be payment or reconciliation');
    if (sub === 'validate' && kind === 'reconciliation') {
      // streamed: a reconciliation file of any size is checked in flat memory, its trailer totals included
      try {
        for await (const _ of parseReconciliationStream(format, readFileChunks(fileName), { encoding, fileName })) {
          // each record is checked as it is read; nothing is kept
        }
        return 0;
      } catch (error) {
        return printError(error, fileName);
      }
    }
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(fileName);
    } catch (error) {
      return printError(error, fileName);
    }
    try {
      const doc =
        kind === 'payment'
          ? parsePaymentFile(format, bytes, { encoding, fileName })
          : parseReconciliationFile(format, bytes, { encoding, fileName });
      if (sub === 'parse') process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
      return 0;
    } catch (error) {
      return printError(error, fileName);
    }
  }
  return usage(`unknown sub-command ${sub ?? '(none)'}`);
}
