/**
 * Structured JSON logs (pino). Secret-bearing keys are censored at any depth, account and ID numbers are masked to
 * their last 4 characters wherever they appear (messages, fields, error messages and stacks, child bindings), and
 * a line written inside a span carries its trace_id and span_id. Secret values the process has resolved
 * (`registerSecretValue`) are scrubbed from every line as a last line of defence, whatever key or text holds them.
 *
 * @example
 *   const log = createLogger();
 *   log.info({ bank: '004', account: '012345678901' }, 'batch uploaded'); // account: "********8901"
 */
import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import { maskAccount, maskSensitiveText } from '../../domain/mask.ts';

export type { Logger };

const CENSOR = '[redacted]';

// Keys whose value is a secret whatever its shape (also nested: bank.auth.password, pgp.passphrase ...).
const SECRET_KEY =
  /pass(word|phrase|wd)|^pwd$|^pin$|secret|token|private_?key|authorization|cookie|credential|api_?key|access_?key/i;
// Keys whose value is an account or ID number even when short or formatted with dashes: accounts, national IDs and
// resident certificates (身分證/居留證), unified business numbers (統一編號, 8 digits: only masked where a key says so,
// free text keeps 8-digit dates readable).
const IDENTIFIER_KEY = new RegExp(
  [
    '(account|acct)(_?(no|num|number))?$',
    '(id_?(no|num|number)|national_?id|tax_?id|resident_?(cert(ificate)?)?_?(no|number|id)|arc_?(no|number))$',
    '(^ubn|unified_?business_?(no|number)?|business_?(no|number|id)|vat_?(no|number))$',
  ].join('|'),
  'i',
);
// Taiwan ACH record fields (docs/formats.md): payer/receiver account, originator/receiver ID, customer number.
// Only string values: `pid` is also the conventional key of a process id.
const ACH_IDENTIFIER_KEY = /^(pclno|rclno|cid|pid|cno)$/i;
// Keys the masking must leave alone although their name matches IDENTIFIER_KEY (our own ids are not personal).
const PLAIN_KEY = /^(trace_id|span_id|trace_flags|token_id)$/;

const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'];

// Resolved secret values (SFTP passwords, passphrases, tokens) scrubbed from every line; short ones would wreck logs.
const secretValues = new Set<string>();
const MIN_SECRET_LENGTH = 6;

/**
 * Makes `value` unloggable: from now on it is replaced by [redacted] wherever it appears in a log line. The secrets
 * adapter calls this for each secret it resolves.
 */
export function registerSecretValue(value: string | null | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH) secretValues.add(value);
}

function scrubSecretValues(text: string): string {
  let out = text;
  for (const secret of secretValues) {
    if (out.includes(secret)) out = out.split(secret).join(CENSOR);
    // A secret with quotes, backslashes or control characters is written escaped inside the JSON line.
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret && out.includes(escaped)) out = out.split(escaped).join(CENSOR);
  }
  return out;
}

// An 8-digit run that is a date (yyyymmdd, as in PAY_20261126_0001.txt) stays readable in free text.
const YYYYMMDD = /(?<![0-9a-fA-F])(20\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))(?![0-9a-fA-F])/;

/** Masks what a free-text string can leak: key material, `password=…` pairs, account and ID numbers. */
export function maskLogText(text: string): string {
  const parts = text.split(YYYYMMDD);
  // split() with a capture group puts the dates at the odd indexes
  return parts.map((part, i) => (i % 2 === 1 ? part : maskFreeText(part))).join('');
}

function maskFreeText(text: string): string {
  return maskSensitiveText(
    text
      .replace(
        /-----BEGIN [A-Z ]*PRIVATE KEY( BLOCK)?-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY( BLOCK)?-----|$)/g,
        CENSOR,
      )
      .replace(/\b(pass(?:word|phrase)?|pwd|secret|token)("?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&]+)/gi, `$1$2${CENSOR}`)
      .replace(/\bBearer\s+[\w.~+/=-]+/gi, `Bearer ${CENSOR}`),
    // account and ID numbers (grouped, either case) by shape; batch numbers, file names, run ids stay whole
  );
}

function maskValue(key: string, value: unknown, depth: number): unknown {
  if (PLAIN_KEY.test(key)) return value;
  if (SECRET_KEY.test(key) && value !== null && value !== undefined && value !== '') return CENSOR;
  if (IDENTIFIER_KEY.test(key) && (typeof value === 'string' || typeof value === 'number')) {
    return maskAccount(String(value).replace(/[\s-]/g, ''));
  }
  if (ACH_IDENTIFIER_KEY.test(key) && typeof value === 'string') return maskAccount(value.trim());
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
  /** Where lines go (tests capture them); defaults to stdout (readable lines on a terminal, see below). */
  destination?: pino.DestinationStream;
  /** The `component` field of every line: `service` (default), `cli`, `sandbox:<bank>` for a child. */
  component?: string;
}

/**
 * JSON lines, unless stdout is a terminal (or LOG_FORMAT=pretty): then one readable coloured line per entry
 * through pino-pretty. LOG_FORMAT=json keeps JSON on a terminal too. The masking runs before either.
 */
function defaultDestination(): pino.DestinationStream | undefined {
  const format = process.env.LOG_FORMAT;
  const pretty = format === 'pretty' || (format !== 'json' && process.stdout.isTTY === true);
  if (!pretty) return undefined;
  return pinoPretty({
    colorize: process.stdout.isTTY === true,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l o',
    ignore: 'pid,hostname,service',
    messageKey: 'msg',
    singleLine: true,
    sync: true,
  });
}

/**
 * Masks the message arguments. A `%d`/`%s` template is formatted here, so an account number passed as a number
 * (`log.info('paying %d', 12345678901)`) is masked in the message like one written into it.
 */
function maskArgs(args: unknown[]): unknown[] {
  const first = typeof args[0] === 'string' ? 0 : 1;
  const template = args[first];
  if (typeof template !== 'string') return args;
  const rest = args.slice(first + 1);
  const message = rest.length > 0 && template.includes('%') ? formatMessage(template, rest) : template;
  return [...args.slice(0, first), maskLogText(message)];
}

function formatMessage(template: string, values: unknown[]): string {
  let next = 0;
  return template.replace(/%([sdifjoO%])/g, (token, kind: string) => {
    if (kind === '%') return '%';
    if (next >= values.length) return token;
    const value = values[next++];
    if (kind === 'd' || kind === 'i') return String(kind === 'i' ? Math.trunc(Number(value)) : Number(value));
    if (kind === 'f') return String(Number(value));
    if (kind === 's') return typeof value === 'string' ? value : stringify(value);
    return stringify(value);
  });
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(maskDeep(value)) ?? String(value);
  } catch {
    return '[unserializable]';
  }
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
      base: { service: 'banking-sftp', component: options.component ?? 'service' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT, censor: CENSOR },
      mixin: traceFields,
      formatters: {
        // level names ("info", "warn"), not pino's numbers: readable in a file and in a log search
        level: (label) => ({ level: label }),
        log: (object) => maskDeep(object) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          return method.apply(this, maskArgs(args) as Parameters<typeof method>);
        },
        // The whole line, after pino's own formatting: only known secret values, the JSON must stay valid.
        streamWrite: (line) => (secretValues.size === 0 ? line : scrubSecretValues(line)),
      },
    },
    options.destination ?? defaultDestination(),
  );
  return maskChildBindings(logger);
}
