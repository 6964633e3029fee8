/** `banking-sftp simulate`: a whole business day against the sandbox banks, ending with the day's report. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// simulate always runs on its own scratch PGlite database: the PostgreSQL leg would repeat the same run
describe.skipIf(process.env.TEST_DATABASE_URL)('banking-sftp simulate', () => {
  it('runs 2026-11-26 on compressed time and prints a report whose totals add up', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'simulate', '--date', '2026-11-26'], {
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('daily report for 2026-11-26');
    for (const bank of ['mega', 'ctbc', 'esun', 'first', 'taishin'])
      expect(r.stdout).toContain(`[${bank}] files sent 1, received 1`);
    const total = /total: (\d+) transactions/.exec(r.stdout);
    expect(Number(total?.[1])).toBe(39); // 40 demo invoices, one set aside (a name Big5 cannot write)
    // stdout is the report alone (log lines, such as the provisional-calendar warning, go to stderr), and the
    // progress reads in the business day's own time zone
    expect(r.stdout).not.toMatch(/"level":/);
    expect(r.stderr).toContain('2026-11-26 06:00:00 Asia/Taipei');
  }, 240_000);
});
