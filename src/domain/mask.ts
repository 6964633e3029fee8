/**
 * Masking for anything that may reach a log, an error message or an API response: account and ID numbers keep
 * only their last 4 characters.
 *
 * @example maskAccount('123456789012') // '********9012'
 */
export function maskAccount(value: string | null | undefined): string {
  if (!value) return '';
  const visible = value.slice(-4);
  return '*'.repeat(Math.max(0, value.length - 4)) + visible;
}

/**
 * Long digit runs (8+) and Taiwan ID numbers inside free text are masked to their last 4. A digit run that is
 * part of a hexadecimal word (a SHA-256, a trace id) is left alone: it identifies a file or a trace, not a person.
 */
export function maskSensitiveText(text: string): string {
  return text
    .replace(/\b[A-Z][12ABCD89]\d{8}\b/g, (m) => maskAccount(m))
    .replace(/(?<![0-9a-fA-F])\d{8,}(?![0-9a-fA-F])/g, (m) => maskAccount(m));
}
