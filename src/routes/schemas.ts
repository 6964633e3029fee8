/** Schemas shared by several monitor routes. */
import { z } from '@hono/zod-openapi';

export const security = [{ bearerAuth: [] }];

export const BankCodeSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{1,31}$/, 'expected a lower-case bank code such as "mega"')
  .openapi({ example: 'mega' });

/**
 * Operator free text (notes, reasons, resolutions). PostgreSQL text and jsonb cannot hold NUL, so a NUL is a
 * 400 here rather than a database error (500) in the handler or a lost audit entry.
 */
export function freeText(schema: z.ZodString) {
  return schema.refine((text) => !text.includes('\u0000'), 'must not contain NUL (\\u0000)');
}

export const IsoDay = z.iso.date().openapi({ example: '2026-11-26' });

export const Instant = z.iso.datetime({ offset: true }).openapi({ example: '2026-11-26T06:00:12.000+08:00' });

export const NullableInstant = Instant.nullable();

export const IdParam = z.coerce
  .number()
  .int()
  .positive()
  .max(Number.MAX_SAFE_INTEGER)
  .openapi({ param: { name: 'id', in: 'path' }, example: 42 });

export const LimitQuery = z.coerce
  .number()
  .int()
  .min(1)
  .max(200)
  .default(50)
  .openapi({ param: { name: 'limit', in: 'query' }, example: 50 });

export const CursorQuery = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected the next_cursor of a previous page')
  .optional()
  .openapi({ param: { name: 'cursor', in: 'query' }, example: 'MTIzNDU' });

/**
 * Opaque cursors: base64url of the keyset id, so clients cannot build one by hand and we may change the key later.
 */
export function encodeCursor(id: number): string {
  return Buffer.from(`v1:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): number | undefined {
  const match = /^v1:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}

/** Dates in responses are ISO instants with the Taipei offset, the way operators read them. */
export function taipeiIso(date: Date): string;
export function taipeiIso(date: Date | null): string | null;
export function taipeiIso(date: Date | null): string | null {
  if (!date) return null;
  const shifted = new Date(date.getTime() + 8 * 3_600_000);
  return `${shifted.toISOString().slice(0, 23)}+08:00`;
}

export const MaskedAccount = z.string().openapi({ example: '****9012' });
