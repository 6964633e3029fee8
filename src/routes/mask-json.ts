import { maskFields } from '../domain/mask.ts';

/**
 * Masks account and ID numbers in stored JSON (warnings, validation errors, exception details) before it leaves:
 * by field name (account_number, id_number …), then by shape; batch numbers, file names and ids stay whole.
 */
export function maskJson(value: unknown): unknown {
  return maskFields(value);
}

/** Stored notes are objects; anything else (a bare string) is wrapped so the shape stays `{…}[]`. */
export function notes(value: unknown): Record<string, unknown>[] {
  if (!Array.isArray(value)) return [];
  return value.map((v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? (maskJson(v) as Record<string, unknown>)
      : { message: maskJson(v) },
  );
}
