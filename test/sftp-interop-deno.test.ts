/**
 * The SFTP client under Deno 2 against ProFTPD's mod_sftp (not OpenSSH): upload, idempotent re-upload, conflict
 * and download in the ordinary directory, and upload + re-upload (by size) in the write-only drop box where
 * STAT is refused. The Deno script prints what it saw; the server's files are checked from here.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProftpdHandle, proftpdBank, proftpdSkipReason, startProftpd } from './support/proftpd.ts';
import { sha } from './support/sftp-interop-suite.ts';

const ROOT = join(import.meta.dirname, '..');
const module = (path: string) => JSON.stringify(pathToFileURL(join(ROOT, path)).href);

/** argv: bank JSON, private key file, local file, remote name. */
const SCRIPT = `
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { openSftpConnection } from ${module('src/infra/sftp/connection.ts')};
import { downloadFile } from ${module('src/infra/sftp/download.ts')};
import { uploadFile } from ${module('src/infra/sftp/upload.ts')};
const [bankJson, keyFile, local, remoteName] = Deno.args;
const bank = JSON.parse(bankJson);
const key = readFileSync(keyFile, 'utf8');
const conn = await openSftpConnection(bank, { getSecret: async () => key });
const out = {};
const upload = (dir, source) => uploadFile(conn, { remoteDir: dir, remoteName, source });
const file = { bytes: readFileSync(local) };
const discard = { sink: new Writable({ write(_c, _e, done) { done(); } }) };
out.up = (await upload('/upload', file)).status;
out.again = (await upload('/upload', file)).status;
out.conflict = await upload('/upload', { bytes: new TextEncoder().encode('other') }).then(() => 'none', (e) => e.code);
out.down = (await downloadFile(conn, '/upload/' + remoteName, discard)).sha256;
out.dropUp = (await upload('/dropbox', file)).status;
const dropAgain = await upload('/dropbox', file);
out.dropAgain = dropAgain.status + '/' + dropAgain.verifiedBy;
out.hostKey = conn.info.algorithms.serverHostKey;
console.log(JSON.stringify(out));
await conn.close();
`;

const skip = proftpdSkipReason();
if (skip) console.warn(`ProFTPD Deno interop test skipped: ${skip}`);

describe.skipIf(skip)('the SFTP client under Deno against ProFTPD', () => {
  let ftpd: ProftpdHandle;
  beforeAll(async () => {
    ftpd = await startProftpd();
  });
  afterAll(async () => {
    await ftpd?.stop();
  });

  it('uploads, recognises re-uploads (by SHA-256, and by size in the drop box), refuses a conflict, downloads', () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 1);
    const local = join(ftpd.dir, 'deno-up.bin');
    const keyFile = join(ftpd.dir, 'deno-key');
    const script = join(ftpd.dir, 'sftp-interop.ts');
    writeFileSync(local, bytes);
    writeFileSync(keyFile, ftpd.clientPrivateKey, { mode: 0o600 });
    writeFileSync(script, SCRIPT);
    const result = spawnSync(
      join(ROOT, 'node_modules', 'deno', 'bin.cjs'),
      [
        'run',
        '-A',
        '--config',
        join(ROOT, 'deno.json'),
        script,
        JSON.stringify(proftpdBank(ftpd)),
        keyFile,
        local,
        'PAY_20261125_0301.txt',
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } },
    );
    expect(result.status, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(out).toEqual({
      up: 'uploaded',
      again: 'already_done',
      conflict: 'remote_conflict',
      down: sha(bytes),
      dropUp: 'uploaded',
      dropAgain: 'already_done/size',
      hostKey: 'ssh-ed25519',
    });
    for (const dir of ['upload', 'dropbox']) {
      expect(readdirSync(join(ftpd.filesDir, dir))).toEqual(['PAY_20261125_0301.txt']);
      expect(sha(readFileSync(join(ftpd.filesDir, dir, 'PAY_20261125_0301.txt')))).toBe(sha(bytes));
    }
  });
});
