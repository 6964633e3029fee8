/**
 * Local file keeping for inbound copies, quarantine and the archive. Every write goes to a temporary name and is
 * renamed into place after fsync, so a crash or a full disk never leaves a half-written file under its real
 * name; the error (e.g. ENOSPC) reaches the caller, who keeps the data where it was.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';

export interface StoredFile {
  path: string;
  sha256: string;
  bytes: number;
}

/** Joins untrusted name parts under a root, refusing anything that would escape it. */
export function safeJoin(root: string, ...parts: string[]): string {
  const base = resolve(root);
  const target = resolve(base, ...parts);
  if (target !== base && !target.startsWith(base + sep)) {
    throw new Error(`refusing to write outside ${base}: ${parts.join('/')}`);
  }
  return target;
}

export async function writeFileAtomically(path: string, data: Uint8Array): Promise<StoredFile> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${Date.now()}-${Math.random().toString(36).slice(2)}.part`);
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return { path, sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length };
}
