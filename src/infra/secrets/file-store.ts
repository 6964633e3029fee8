/**
 * Secrets in a directory (the default; the sandbox writes its generated SFTP passwords here). Layout:
 *
 *   <dir>/<name>                  the CURRENT value: exactly the file's content (no trimming, UTF-8)
 *   <dir>/<name>.versions/<n>     every version written through `put`, n = 1, 2, 3…
 *
 * `get(name)` reads `<dir>/<name>`; its version is `n` when it equals the newest recorded version, otherwise
 * (written by hand or by another tool) `file@<mtime ISO>`. `get(name, n)` reads `<dir>/<name>.versions/<n>`.
 * `put` records the value as version n+1 first (a hand-written current value not yet recorded is saved as a
 * version before it is replaced), then replaces `<dir>/<name>` atomically (temp file + rename), so a reader
 * never sees a half-written secret. Directories are created 0700, files 0600.
 *
 * @example
 *   const store = createFileSecretStore({ dir: './data/secrets' });
 *   await store.put?.('ctbc-pgp-private', armored);
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OperationalError } from '../../domain/failure.ts';
import { withLogMasking } from './log-masking.ts';
import { assertSecretName, type SecretStore, type SecretValue, secretError } from './types.ts';

export interface FileSecretStoreOptions {
  dir: string;
}

function isNotFound(error: unknown): boolean {
  return (error as { code?: unknown })?.code === 'ENOENT';
}

async function recordedVersions(versionsDir: string): Promise<number[]> {
  try {
    const entries = await readdir(versionsDir);
    return entries
      .filter((e) => /^[1-9]\d{0,8}$/.test(e))
      .map(Number)
      .sort((a, b) => a - b);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export function createFileSecretStore(options: FileSecretStoreOptions): SecretStore {
  const { dir } = options;
  const currentPath = (name: string) => join(dir, name);
  const versionsDir = (name: string) => join(dir, `${name}.versions`);

  function failure(name: string, error: unknown, version?: string): never {
    if (isNotFound(error)) {
      const where = version ? `version ${version}` : 'current value';
      throw secretError('secret_missing', `secret "${name}" not found (${where}) in the file store ${dir}`, {
        name,
        provider: 'file',
        ...(version ? { version } : {}),
      });
    }
    const code = (error as { code?: unknown })?.code;
    if (code === 'EACCES' || code === 'EPERM') {
      throw secretError('secret_denied', `secret "${name}" is not readable in the file store ${dir}`, {
        name,
        provider: 'file',
      });
    }
    throw secretError(
      'secret_unavailable',
      `secret "${name}" could not be read from the file store ${dir}: ${String(code ?? 'error')}`,
      { name, provider: 'file' },
      error,
    );
  }

  async function currentVersionOf(name: string, value: string): Promise<string> {
    const versions = await recordedVersions(versionsDir(name));
    const newest = versions.at(-1);
    if (newest !== undefined && (await readOptional(join(versionsDir(name), String(newest)))) === value) {
      return String(newest);
    }
    const { mtime } = await stat(currentPath(name));
    return `file@${mtime.toISOString()}`;
  }

  async function writeAtomically(path: string, value: string): Promise<void> {
    const tmp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      await writeFile(tmp, value, { mode: 0o600, flag: 'wx' });
      await rename(tmp, path);
    } catch (error) {
      await unlink(tmp).catch(() => undefined);
      throw error;
    }
  }

  async function recordVersion(name: string, value: string): Promise<number> {
    await mkdir(versionsDir(name), { recursive: true, mode: 0o700 });
    for (;;) {
      const next = ((await recordedVersions(versionsDir(name))).at(-1) ?? 0) + 1;
      try {
        await writeFile(join(versionsDir(name), String(next)), value, { mode: 0o600, flag: 'wx' });
        return next;
      } catch (error) {
        // Another writer took this number first: take the next one.
        if ((error as { code?: unknown })?.code !== 'EEXIST') throw error;
      }
    }
  }

  return withLogMasking({
    provider: 'file',
    async get(name: string, version?: string): Promise<SecretValue> {
      assertSecretName(name, 'file');
      if (version !== undefined && version !== 'latest' && !version.startsWith('file@')) {
        if (!/^[1-9]\d{0,8}$/.test(version)) failure(name, { code: 'ENOENT' }, version);
        try {
          return { name, version, value: await readFile(join(versionsDir(name), version), 'utf8') };
        } catch (error) {
          failure(name, error, version);
        }
      }
      try {
        const value = await readFile(currentPath(name), 'utf8');
        const current = await currentVersionOf(name, value);
        if (version?.startsWith('file@') && version !== current) failure(name, { code: 'ENOENT' }, version);
        return { name, version: current, value };
      } catch (error) {
        if (error instanceof OperationalError) throw error;
        failure(name, error);
      }
    },
    async put(name: string, value: string): Promise<SecretValue> {
      assertSecretName(name, 'file');
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        const existing = await readOptional(currentPath(name));
        if (existing !== undefined) {
          const recorded = await currentVersionOf(name, existing);
          if (recorded.startsWith('file@')) await recordVersion(name, existing);
        }
        const version = await recordVersion(name, value);
        await writeAtomically(currentPath(name), value);
        return { name, version: String(version), value };
      } catch (error) {
        failure(name, error);
      }
    },
  });
}
