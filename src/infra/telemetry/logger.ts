/**
 * Structured JSON logs (pino). Secret-bearing keys are censored at any depth, account and ID numbers are masked to
 * their last 4 characters wherever they appear (messages, fields, error messages and stacks, child bindings), and
 * a line written inside a span carries its trace_id and span_id.
 *
 * @example
 *   const log = createLogger();
 *   log.info({ bank: '004', account: '012345678901' }, 'batch uploaded'); // account: "********8901"
 */
import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type Logger } from 'pino';
import { maskAccount, maskSensitiveText } from '../../domain/mask.ts';

export type { Logger };

const CENSOR = '[redacted]';

// Keys whose value is a secret whatever its shape (also nested: bank.auth.password, pgp.passphrase ...).
const SECRET_KEY = /pass(word|phrase)|secret|token|private_?key|authorization|cookie|credential|api_?key/i;
// Keys whose value is an account or ID number even when short or formatted with dashes.
const IDENTIFIER_KEY = /(account|acct)(_?(no|num|number))?$|(id_?number|national_?id|tax_?id)$/i;
// Keys the masking must leave alone although their name matches IDENTIFIER_KEY (our own ids are not personal).
const PLAIN_KEY = /^(trace_id|span_id|trace_flags)$/;

const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'];

/** Masks what a free-text string can leak: key material, `password=…` pairs, account and ID numbers. */
export function maskLogText(text: string): string {
  return maskSensitiveText(
    text
      .replace(
        /-----BEGIN [A-Z ]*PRIVATE KEY( BLOCK)?-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY( BLOCK)?-----|$)/g,
        CENSOR,
      )
      .replace(/\b(pass(?:word|phrase)?|pwd|secret|token)("?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&]+)/gi, `$1$2${CENSOR}`)
      .replace(/\bBearer\s+[\w.~+/=-]+/gi, `Bearer ${CENSOR}`)
      // Account numbers written in groups (012-345-678901, 0123 4567 8901): masked when 8+ digits in all.
      .replace(/\b\d{2,}(?:[- ]\d{2,}){1,4}\b/g, maskGrouped),
  );
}

function maskGrouped(value: string): string {
  const digits = value.replace(/\D/g, '');
  if (digits.length < 8 || /^\d{4}-\d{2}-\d{2}/.test(value)) return value; // short, or an ISO date
  return maskAccount(digits);
}

function maskValue(key: string, value: unknown, depth: number): unknown {
  if (PLAIN_KEY.test(key)) return value;
  if (SECRET_KEY.test(key) && value !== null && value !== undefined && value !== '') return CENSOR;
  if (!PLAIN_KEY.test(key) && IDENTIFIER_KEY.test(key) && (typeof value === 'string' || typeof value === 'number')) {
    return maskAccount(String(value).replace(/[\s-]/g, ''));
  }
  return maskDeep(value, depth);
}

function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskLogText(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    // Same class (pino's err serializer reports its name), masked text, own fields masked like any object.
    const copy = Object.create(Object.getPrototypeOf(value)) as Error;
    for (const [k, v] of Object.entries(value))
      (copy as unknown as Record<string, unknown>)[k] = maskValue(k, v, depth + 1);
    Object.defineProperty(copy, 'message', { value: maskLogText(value.message), enumerable: false });
    if (value.stack) Object.defineProperty(copy, 'stack', { value: maskLogText(value.stack), enumerable: false });
    if (value.cause !== undefined) Object.defineProperty(copy, 'cause', { value: maskDeep(value.cause, depth + 1) });
    return copy;
  }
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskValue(k, v, depth + 1);
  return out;
}

/** trace_id/span_id of the active span, so log lines can be joined with the trace. */
function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const ctx = span.spanContext();
  if (!isSpanContextValid(ctx)) return {};
  return { trace_id: ctx.traceId, span_id: ctx.spanId, trace_flags: `0${ctx.traceFlags.toString(16)}`.slice(-2) };
}

export interface LoggerOptions {
  level?: string;
  /** Where lines go (tests capture them); defaults to stdout. */
  destination?: pino.DestinationStream;
}

/** pino applies no formatter to child bindings: mask them on the way in. */
function maskChildBindings<L extends Logger>(logger: L): L {
  const child = logger.child.bind(logger);
  (logger as { child: unknown }).child = (bindings: pino.Bindings, options?: pino.ChildLoggerOptions) =>
    maskChildBindings(child(maskDeep(bindings) as pino.Bindings, options));
  return logger;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const logger = pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'banking-sftp' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT, censor: CENSOR },
      mixin: traceFields,
      formatters: {
        log: (object) => maskDeep(object) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((a) => (typeof a === 'string' ? maskLogText(a) : a)) as Parameters<typeof method>;
          return method.apply(this, masked);
        },
      },
    },
    options.destination,
  );
  return maskChildBindings(logger);
}
