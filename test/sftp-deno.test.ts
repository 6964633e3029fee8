/**
 * The SFTP client under Deno 2 (the service also runs as `deno task start`) against a real OpenSSH server:
 * an upload and a download larger than the channel window. WRITE messages and socket reads go through reused
 * buffers as under Node (Deno's node:net honours `onread`, and ssh2's internals are the same); outgoing packets
 * do not, since ssh2 finds no native addon under Deno.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SshdHandle, sshdBank, startSshd } from './support/sshd.ts';

const ROOT = join(import.meta.dirname, '..');
const module = (path: string) => JSON.stringify(pathToFileURL(join(ROOT, path)).href);
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** argv: bank JSON, private key file, local file to upload, remote name, local path to download to. */
const SCRIPT = `
import { readFileSync } from 'node:fs';
import { openSftpConnection } from ${module('src/infra/sftp/connection.ts')};
import { downloadFile } from ${module('src/infra/sftp/download.ts')};
import { uploadFile } from ${module('src/infra/sftp/upload.ts')};
const [bankJson, keyFile, local, remoteName, back] = Deno.args;
const bank = JSON.parse(bankJson);
const key = readFileSync(keyFile, 'utf8');
const conn = await openSftpConnection(bank, { getSecret: async () => key });
let writerStats;
const open = conn.bulkWriter.bind(conn);
conn.bulkWriter = (handle, path) => {
  const writer = open(handle, path);
  const end = writer.end;
  writer.end = () => { writerStats = writer.stats(); end(); };
  return writer;
};
const up = await uploadFile(conn, { remoteDir: bank.upload_path, remoteName, source: { path: local }, parallel: true });
const down = await downloadFile(conn, bank.upload_path + '/' + remoteName, { path: back });
console.log(JSON.stringify({ up: up.sha256, down: down.sha256, writerStats, readStats: conn.readStats }));
await conn.close();
`;

let sshd: SshdHandle;

beforeAll(async () => {
  sshd = await startSshd();
  mkdirSync(sshdBank(sshd).upload_path, { recursive: true });
});

afterAll(async () => {
  await sshd?.stop();
});

describe('the SFTP client under Deno', () => {
  it('uploads and downloads 5 MB intact, with WRITEs and socket reads in reused buffers', () => {
    const bytes = randomBytes(5 * 1024 * 1024 + 7);
    const local = join(sshd.dir, 'deno-up.bin');
    const back = join(sshd.dir, 'deno-back.bin');
    const keyFile = join(sshd.dir, 'deno-key');
    const script = join(sshd.dir, 'sftp-smoke.ts');
    writeFileSync(local, bytes);
    writeFileSync(keyFile, sshd.ed25519PrivateKey, { mode: 0o600 });
    writeFileSync(script, SCRIPT);
    const bank = sshdBank(sshd, { parallel_writes: true });
    const result = spawnSync(
      join(ROOT, 'node_modules', 'deno', 'bin.cjs'),
      ['run', '-A', '--config', join(ROOT, 'deno.json'), script, JSON.stringify(bank), keyFile, local, 'PAY.txt', back],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } },
    );
    expect(result.status, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
      up: string;
      down: string;
      writerStats: { directWrites: number; packetsReused: number };
      readStats: { views: number; copies: number };
    };
    expect(out.up).toBe(sha(bytes));
    expect(out.down).toBe(sha(bytes));
    expect(sha(readFileSync(join(sshd.filesDir, 'upload', 'PAY.txt')))).toBe(sha(bytes));
    expect(readFileSync(back).equals(bytes)).toBe(true);
    expect(out.writerStats.directWrites).toBeGreaterThan(0);
    // no native addon under Deno: ssh2 encrypts through node:crypto and writes each packet in pieces, which the
    // recycler leaves alone (a reused buffer would still be in those pieces' hands)
    expect(out.writerStats.packetsReused).toBe(0);
    expect(out.readStats.views).toBeGreaterThan(bytes.length / (64 * 1024));
  });
});
