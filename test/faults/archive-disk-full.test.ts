/**
 * Fault: the archive file system fills up. The archive path is a tiny tmpfs (mounted by the test, as root),
 * nearly full before the day starts; a whole business day runs on simulated time (payments, reconciliation),
 * and the 19:00 report archives the day. Expected: a clear error (an open `archive_failed` exception naming the
 * path and the ENOSPC cause, an error log line) and an alert (the notice reaches the operators' webhook, a real
 * HTTP server on 127.0.0.1); no data lost: every batch's bytes still in the ledger, every reconciliation file
 * still readable somewhere with its recorded SHA-256, no half-written file under a final name in the archive.
 * Once space is freed, archiving the day again completes. Runs on PGlite or PostgreSQL (TEST_DATABASE_URL);
 * needs root for `mount -t tmpfs` (skipped, with the reason printed, where mounting is impossible).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveBusinessDay } from '../../src/workflows/report/archive.ts';
import { type Harness, startHarness, taipei } from '../support/system-harness.ts';

const DAY = '2026-11-26';
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function tryMount(dir: string): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return (error as Error).message.split('\n')[0] ?? 'mount failed';
  }
}

const mountDir = mkdtempSync(join(tmpdir(), 'archive-tmpfs-'));
const cannotMount = tryMount(mountDir);
if (cannotMount) console.warn(`archive disk-full test skipped: cannot mount a tmpfs (${cannotMount})`);

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

describe.skipIf(cannotMount !== null)('disk full on the archive path', () => {
  let h: Harness;
  let webhook: Server;
  const notices: Array<{ kind: string; subject: string; text: string }> = [];
  const archive = join(mountDir, 'archive');

  beforeAll(async () => {
    webhook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        notices.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', () => r()));
    const port = (webhook.address() as AddressInfo).port;
    mkdirSync(archive);
    // leave about 12 KiB: the first archived files fit, the rest of the day does not
    const free = () => {
      const s = statfsSync(mountDir);
      return s.bavail * s.bsize;
    };
    writeFileSync(join(mountDir, 'filler'), Buffer.alloc(free() - 12 * 1024));
    h = await startHarness({
      start: taipei(DAY, '05:00'),
      overrides: {
        archive: { path: archive, retention_days: 30 },
        mail: { from: 'banking-sftp@localhost', to: [], webhook_url: `http://127.0.0.1:${port}/alerts` },
      },
    });
  });

  afterAll(async () => {
    await h?.stop();
    await new Promise((r) => webhook?.close(r));
    try {
      execFileSync('umount', [mountDir]);
    } catch {}
    rmSync(mountDir, { recursive: true, force: true });
  });

  it('raises a clear error and an alert, loses nothing, and archives the day once space is back', async () => {
    await h.advanceTo(taipei(DAY, '19:05'));
    const db = h.database.db;

    const failure = await db
      .selectFrom('exceptions')
      .selectAll()
      .where('kind', '=', 'archive_failed')
      .where('status', '=', 'open')
      .executeTakeFirst();
    expect(failure?.message).toContain(`archiving ${DAY} to ${archive} failed`);
    expect(failure?.message).toMatch(/ENOSPC|no space left/i);
    expect(notices.some((n) => n.kind === 'exceptions' && /archive_failed/.test(n.text) && /ENOSPC/.test(n.text))).toBe(
      true,
    );
    expect(h.logLines.some((l) => l.includes('"level":"error"') && l.includes('archiving failed'))).toBe(true);

    // nothing lost: the batches' bytes are in the ledger...
    const batches = await db.selectFrom('payment_batches').selectAll().where('value_date', '=', DAY).execute();
    expect(batches.length).toBeGreaterThan(0);
    for (const b of batches) expect(sha(b.ciphertext!)).toBe(b.ciphertext_sha256);
    // ...every applied reconciliation file is readable where the ledger says, with its SHA-256...
    const files = await db.selectFrom('reconciliation_files').selectAll().where('status', '=', 'applied').execute();
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(sha(readFileSync(f.stored_path!))).toBe(f.sha256);
    // ...and the archive holds only whole files, each recorded with its SHA-256 (no temp file left behind)
    const archived = await db.selectFrom('archived_files').selectAll().execute();
    const onDisk = walk(archive);
    expect(onDisk.sort()).toEqual(archived.map((a) => a.path).sort());
    for (const a of archived) expect(sha(readFileSync(a.path))).toBe(a.sha256);
    expect(archived.length).toBeLessThan(batches.length * 2 + files.length);

    // space is freed: archiving the day again completes, without copying anything twice
    rmSync(join(mountDir, 'filler'));
    await archiveBusinessDay(db, { archiveRoot: archive, businessDate: DAY, retentionDays: 30, now: h.now() });
    const after = await db.selectFrom('archived_files').selectAll().execute();
    expect(after.filter((a) => a.kind === 'payment_sent').length).toBe(batches.length);
    expect(after.filter((a) => a.kind === 'reconciliation').length).toBe(files.length);
    expect(new Set(after.map((a) => a.path)).size).toBe(after.length);
    for (const a of after) expect(sha(readFileSync(a.path))).toBe(a.sha256);
    const moved = await db.selectFrom('reconciliation_files').selectAll().where('status', '=', 'applied').execute();
    for (const f of moved) {
      expect(f.stored_path!.startsWith(archive)).toBe(true);
      expect(sha(readFileSync(f.stored_path!))).toBe(f.sha256);
    }
  });
});
