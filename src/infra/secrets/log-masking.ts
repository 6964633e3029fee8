/**
 * Every value a provider hands out (or is given to store) becomes unloggable from that moment: it is registered
 * with the logger's scrubber, so a password or key that reaches a log line by any path (an error message from
 * a library, a debug dump of an options object) is written as [redacted]. Applied inside each provider, so a
 * store used without the cache/audit wrappers (the CLI, the bench, tests) masks too.
 *
 * @example
 *   return withLogMasking({ provider: 'env', async get(name) { ... } });
 */
import { registerSecretValue } from '../telemetry/logger.ts';
import type { SecretStore, SecretValue } from './types.ts';

// Base64 lines of an armored or PEM key are as secret as the whole block, and a log line may hold just one.
const KEY_LINE_MIN = 20;

export function maskSecretInLogs(value: string): void {
  registerSecretValue(value);
  // File secrets keep their trailing newline; the consumer usually uses the trimmed text.
  const trimmed = value.trim();
  if (trimmed !== value) registerSecretValue(trimmed);
  // Public keys (bank keys come through the store too) are not secret: only private key bodies are split up,
  // which also keeps the scrubber's list (checked on every log line) short.
  if (!trimmed.includes('\n') || !/PRIVATE KEY/.test(trimmed)) return;
  for (const line of trimmed.split(/\r?\n/)) {
    const text = line.trim();
    // Armor and PEM markers (-----BEGIN …) and headers (Version: …) are public and common: not registered.
    if (text.length >= KEY_LINE_MIN && !text.startsWith('-----') && !/^[A-Za-z-]+: /.test(text)) {
      registerSecretValue(text);
    }
  }
}

export function withLogMasking<S extends SecretStore>(store: S): S {
  const get = store.get.bind(store);
  const wrapped = {
    ...store,
    async get(name: string, version?: string): Promise<SecretValue> {
      const secret = await get(name, version);
      maskSecretInLogs(secret.value);
      return secret;
    },
  } as S;
  if (store.put) {
    const put = store.put.bind(store);
    wrapped.put = async (name: string, value: string) => {
      maskSecretInLogs(value);
      return put(name, value);
    };
  }
  return wrapped;
}
