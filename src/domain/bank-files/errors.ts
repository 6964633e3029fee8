/** A problem with one field of one transaction (or of the batch, when `transaction_id` is null). */
export interface FieldIssue {
  transaction_id: string | null;
  field: string;
  message: string;
  value?: string;
}

/** Thrown by generatePaymentFile when the batch does not validate; nothing is written. */
export class BatchValidationError extends Error {
  override name = 'BatchValidationError';
  constructor(readonly errors: FieldIssue[]) {
    super(`batch refused: ${errors.map((e) => `${e.transaction_id ?? 'batch'} ${e.field}: ${e.message}`).join('; ')}`);
  }
}

/** The only error a parser throws: names the file, line, record type, field (with byte positions) and value. */
export class FormatParseError extends Error {
  override name = 'FormatParseError';
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly record_type: string | null,
    readonly field: string | null,
    readonly position: string | null,
    readonly value: string | null,
    readonly reason: string,
  ) {
    super(
      `${file}${line !== null ? ` line ${line}` : ''}${record_type ? ` record ${record_type}` : ''}${field ? ` field ${field}` : ''}${position ? ` (bytes ${position})` : ''}: ${reason}${value !== null ? ` [${JSON.stringify(value)}]` : ''}`,
    );
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
