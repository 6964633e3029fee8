import { maskSensitiveText } from '../domain/mask.ts';

/** Masks account and ID numbers in every string of stored JSON (warnings, validation errors) before it leaves. */
export function maskJson(value: unknown): unknown {
  if (typeof value === 'string') return maskSensitiveText(value);
  if (Array.isArray(value)) return value.map(maskJson);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskJson(v)]));
  }
  return value;
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
