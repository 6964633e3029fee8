/**
 * Structured JSON logs (pino). Known secret-bearing keys are redacted by path, and every string that looks like
 * an account or ID number is masked to its last 4 characters before it is written.
 */
import pino, { type Logger } from 'pino';
import { maskSensitiveText } from '../../domain/mask.ts';

export type { Logger };

const REDACT = [
  'password',
  'passphrase',
  'secret',
  'token',
  'privateKey',
  'private_key',
  'authorization',
  '*.password',
  '*.passphrase',
  '*.secret',
  '*.token',
  '*.privateKey',
  '*.private_key',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
];

function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskSensitiveText(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: maskSensitiveText(value.message) };
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, depth + 1);
  return out;
}

export interface LoggerOptions {
  level?: string;
  /** Where lines go (tests capture them); defaults to stdout. */
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'banking-sftp' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT, censor: '[redacted]' },
      formatters: { log: (object) => maskDeep(object) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((a) => (typeof a === 'string' ? maskSensitiveText(a) : a)) as Parameters<
            typeof method
          >;
          return method.apply(this, masked);
        },
      },
    },
    options.destination,
  );
}
