import type { FieldIssue } from './types.ts';

/** Thrown by generatePaymentFile when the batch does not validate; nothing is written. */
export class BatchValidationError extends Error {
  override name = 'BatchValidationError';
  constructor(readonly errors: FieldIssue[]) {
    super(`batch refused: ${errors.map((e) => `${e.transaction_id ?? 'batch'} ${e.field}: ${e.message}`).join('; ')}`);
  }
}

/**
 * The only error a parser throws: names the file, line, record type, field (with 1-based byte positions, `37-50`;
 * csv: `column 8`) and the bad value.
 */
export class FormatParseError extends Error {
  override name = 'FormatParseError';
  readonly file: string;
  readonly line: number | null;
  readonly record_type: string | null;
  readonly field: string | null;
  readonly position: string | null;
  readonly value: string | null;
  readonly reason: string;
  constructor(details: {
    file: string;
    line?: number | null;
    record_type?: string | null;
    field?: string | null;
    position?: string | null;
    value?: string | null;
    message: string;
  }) {
    const { file, line = null, record_type = null, field = null, position = null, value = null, message } = details;
    super(
      `${file}${line !== null ? ` line ${line}` : ''}${record_type ? ` record ${record_type}` : ''}${field ? ` field ${field}` : ''}${position ? ` (${position})` : ''}: ${message}${value !== null ? ` [${JSON.stringify(value)}]` : ''}`,
    );
    this.file = file;
    this.line = line;
    this.record_type = record_type;
    this.field = field;
    this.position = position;
    this.value = value;
    this.reason = message;
  }

  toJSON() {
    return {
      file: this.file,
      line: this.line,
      record_type: this.record_type,
      field: this.field,
      position: this.position,
      value: this.value,
      message: this.reason,
    };
  }
}
