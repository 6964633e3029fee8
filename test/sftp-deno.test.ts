/**
 * The SFTP client under Deno 2 (the service also runs as `deno task start`) against a real OpenSSH server:
 * an upload and a download larger than the channel window, pipelined, through ssh2's public API as under Node
 * (under Deno ssh2 finds no native addon and encrypts through node:crypto).
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
import { createWriteStream, readFileSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { openSftpConnection } from ${module('src/infra/sftp/connection.ts')};
import { downloadFile } from ${module('src/infra/sftp/download.ts')};
import { uploadFile } from ${module('src/infra/sftp/upload.ts')};
const [bankJson, keyFile, local, remoteName, back] = Deno.args;
const bank = JSON.parse(bankJson);
const key = readFileSync(keyFile, 'utf8');
const conn = await openSftpConnection(bank, { getSecret: async () => key });
const up = await uploadFile(conn, { remoteDir: bank.upload_path, remoteName, source: { bytes: readFileSync(local) } });
const sink = createWriteStream(back);
const down = await downloadFile(conn, bank.upload_path + '/' + remoteName, { sink });
sink.end();
await finished(sink);
console.log(JSON.stringify({ up: up.sha256, down: down.sha256 }));
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
  it('uploads and downloads 5 MB intact', () => {
    const bytes = randomBytes(5 * 1024 * 1024 + 7);
    const local = join(sshd.dir, 'deno-up.bin');
    const back = join(sshd.dir, 'deno-back.bin');
    const keyFile = join(sshd.dir, 'deno-key');
    const script = join(sshd.dir, 'sftp-smoke.ts');
    writeFileSync(local, bytes);
    writeFileSync(keyFile, sshd.ed25519PrivateKey, { mode: 0o600 });
    writeFileSync(script, SCRIPT);
    const bank = sshdBank(sshd);
    const result = spawnSync(
      join(ROOT, 'node_modules', 'deno', 'bin.cjs'),
      ['run', '-A', '--config', join(ROOT, 'deno.json'), script, JSON.stringify(bank), keyFile, local, 'PAY.txt', back],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } },
    );
    expect(result.status, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
      up: string;
      down: string;
    };
    expect(out.up).toBe(sha(bytes));
    expect(out.down).toBe(sha(bytes));
    expect(sha(readFileSync(join(sshd.filesDir, 'upload', 'PAY.txt')))).toBe(sha(bytes));
    expect(readFileSync(back).equals(bytes)).toBe(true);
  });
});
