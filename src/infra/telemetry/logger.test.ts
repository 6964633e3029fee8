import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, maskLogText, registerSecretValue } from './logger.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { log: createLogger({ destination, level: 'debug' }), lines, raw: () => raw.join('\n') };
}

describe('maskLogText', () => {
  it('masks account and ID numbers in free text to their last 4', () => {
    expect(maskLogText('paid to 012345678901 (A123456789)')).toBe('paid to ********8901 (******6789)');
    expect(maskLogText('resident certificate AC01234567 / A800000014')).toBe(
      'resident certificate ******4567 / ******0014',
    );
    expect(maskLogText('id a123456789 typed in lower case')).toBe('id ******6789 typed in lower case');
  });

  it('keeps dates, amounts, SHA-256 digests and file names readable', () => {
    const sha = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    expect(maskLogText(`uploaded PAY_20261126_0001.txt sha256 ${sha}`)).toBe(
      `uploaded PAY_20261126_0001.txt sha256 ${sha}`,
    );
    expect(maskLogText('value date 2026-11-26, 1250000 cents')).toBe('value date 2026-11-26, 1250000 cents');
    // an 8-digit number that is no date is masked (it may be a unified business number)
    expect(maskLogText('ubn 04595257')).toBe('ubn ****5257');
  });
});

describe('createLogger', () => {
  it('masks identifiers by key: accounts, national IDs, unified business numbers, ACH record fields', () => {
    const { log, lines } = capture();
    log.info(
      {
        payee: { account_number: '0123-4567-89012', id_number: 'A123456789', ubn: 4595257, vatNo: '04595257' },
        record: { pclno: '0000012345678901', rclno: '0000098765432109', cid: '04595257  ', pid: 'F223456789' },
        pid: 4242,
        batch_id: 123456789,
        amount_cents: 123456789,
      },
      'record built',
    );
    const line = lines[0] as Record<string, Record<string, unknown>>;
    expect(line.payee).toEqual({
      account_number: '*********9012',
      id_number: '******6789',
      ubn: '***5257',
      vatNo: '****5257',
    });
    expect(line.record).toEqual({
      pclno: '************8901',
      rclno: '************2109',
      cid: '****5257',
      pid: '******6789',
    });
    // our own ids, amounts and the process id are not personal data
    expect(line.pid).toBe(4242);
    expect(line.batch_id).toBe(123456789);
    expect(line.amount_cents).toBe(123456789);
  });

  it('censors secret keys at any depth and key material in text', () => {
    const { log, raw } = capture();
    log.info({ bank: { auth: { password: 'pw-1', passwd: 'pw-2', pin: '1234' }, apiKey: 'k-3' } }, 'config');
    log.warn('key -----BEGIN PGP PRIVATE KEY BLOCK-----\nxcFGBGZ\n-----END PGP PRIVATE KEY BLOCK----- rejected');
    log.info('login with password: "pw 4" failed; Authorization: Bearer abc.def');
    const text = raw();
    for (const secret of ['pw-1', 'pw-2', '"1234"', 'k-3', 'xcFGBGZ', 'pw 4', 'abc.def']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[redacted]');
  });

  it('formats %d and %s arguments before masking, so numbers cannot slip past', () => {
    const { log, lines } = capture();
    log.info('paying %d from %s (%j), 100%% done', 12345678901, '98765432109', { account: '555566667777' });
    expect(lines[0]?.msg).toBe('paying *******8901 from *******2109 ({"account":"********7777"}), 100% done');
  });

  it('never writes a registered secret value, whatever holds it', () => {
    const { log, raw } = capture();
    const secret = 'Zq"7-sftp-Passw0rd';
    registerSecretValue(secret);
    registerSecretValue('batch'); // too short to scrub without wrecking logs: ignored
    log.error({ detail: `server said: bad credentials ${secret}`, nested: [{ note: secret }] }, `retry ${secret}`);
    log.info('batch uploaded');
    expect(raw()).not.toContain('Zq');
    expect(raw()).not.toContain('7-sftp-Passw0rd');
    expect(raw()).toContain('retry [redacted]');
    expect(raw()).toContain('batch uploaded');
  });

  it('masks child bindings and error messages', () => {
    const { log, raw } = capture();
    const child = log.child({ originator_account: '012345678901' });
    child.error({ err: new Error('refused for 98765432109876') }, 'upload failed');
    expect(raw()).not.toMatch(/012345678901|98765432109876/);
    expect(raw()).toContain('********8901');
  });
});
