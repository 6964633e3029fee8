/**
 * Every access to a secret, served from the cache or not, read or written, found or not, becomes one audit
 * entry: name, version, provider, time, result. Never the value. The entry is written before the value is
 * handed out: when the audit sink fails, the caller gets no secret (`secret_unavailable`, retried later).
 *
 * @example
 *   const store = withAudit(inner, (e) => auditLog.insert(e), () => new Date());
 */
import { OperationalError } from '../../domain/failure.ts';
import { servedFromCache } from './caching-store.ts';
import { type SecretAccessResult, type SecretAudit, type SecretStore, type SecretValue, secretError } from './types.ts';

function resultOf(error: unknown): SecretAccessResult {
  if (error instanceof OperationalError) {
    if (error.code === 'secret_missing') return 'not_found';
    if (error.code === 'secret_denied' || error.code === 'secret_invalid_name') return 'denied';
  }
  return 'error';
}

export function withAudit(inner: SecretStore, audit: SecretAudit, now: () => Date = () => new Date()): SecretStore {
  const provider = inner.provider;

  async function record(name: string, version: string | null, result: SecretAccessResult): Promise<void> {
    try {
      await audit({ name, version, provider, at: now(), result });
    } catch (error) {
      throw secretError(
        'secret_unavailable',
        `secret "${name}" withheld: the audit log could not record the access`,
        { name, provider },
        error,
      );
    }
  }

  const store: SecretStore = {
    provider,
    async get(name: string, version?: string): Promise<SecretValue> {
      let value: SecretValue;
      try {
        value = await inner.get(name, version);
      } catch (error) {
        await record(name, version ?? null, resultOf(error));
        throw error;
      }
      await record(name, value.version, servedFromCache.has(value) ? 'cached' : 'ok');
      return value;
    },
  };
  if (inner.getFresh) {
    const getFresh = inner.getFresh.bind(inner);
    store.getFresh = async (name: string) => {
      let value: SecretValue;
      try {
        value = await getFresh(name);
      } catch (error) {
        await record(name, null, resultOf(error));
        throw error;
      }
      await record(name, value.version, 'ok');
      return value;
    };
  }
  if (inner.put) {
    const put = inner.put.bind(inner);
    store.put = async (name: string, value: string) => {
      let written: SecretValue;
      try {
        written = await put(name, value);
      } catch (error) {
        await record(name, null, resultOf(error));
        throw error;
      }
      await record(name, written.version, 'written');
      return written;
    };
  }
  return store;
}
