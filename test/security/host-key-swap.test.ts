/**
 * A man in the middle on the bank's pinned port: the genuine OpenSSH server goes away and another sshd, with its
 * own host key, answers on the same port, accepting the same user and password. Polls and uploads must be
 * refused with the critical `host_key_mismatch` naming the key seen, before any credential is sent (the
 * impostor's VERBOSE log shows no authentication attempt), counted in banking_host_key_mismatch_total (the
 * HostKeyMismatch alert), and once the genuine server is back the same transport works again.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationalError } from '../../src/domain/failure.ts';
import type { BankConfig } from '../../src/infra/config/schema.ts';
import { createTelemetry, type Telemetry } from '../../src/infra/telemetry/metrics.ts';
import { observeTransport } from '../../src/workflows/observed-transport.ts';
import { pollBank } from '../../src/workflows/reconciliation/poll-bank.ts';
import {
  PASSWORD_USER,
  PASSWORD_USER_HOME,
  type SshdHandle,
  sshdBank,
  sshdSecrets,
  startSshd,
} from '../support/sshd.ts';
import { BANK_PGP, DAY, type PollFixture, startPollFixture } from './poll-fixture.ts';

async function refusal(promise: Promise<unknown>): Promise<OperationalError> {
  try {
    await promise;
  } catch (error) {
    return error as OperationalError;
  }
  throw new Error('expected a refusal');
}

describe('host key swap on the pinned port', () => {
  let genuine: SshdHandle;
  let impostor: SshdHandle | undefined;
  let f: PollFixture;
  let bank: BankConfig;
  let telemetry: Telemetry;
  let home: string;
  const servers: SshdHandle[] = [];

  const poll = () => pollBank({ ...f.deps, transport: observeTransport(f.transport, telemetry) }, bank, [DAY]);
  const mismatches = async () => {
    const text = await telemetry.collectPrometheusText();
    const line = text.split('\n').find((l) => l.startsWith('banking_host_key_mismatch_total{') && l.includes('"mitm"'));
    return Number(line?.split(' ').pop() ?? 0);
  };

  beforeAll(async () => {
    genuine = await startSshd({ logLevel: 'VERBOSE' });
    servers.push(genuine);
    home = mkdtempSync(join(PASSWORD_USER_HOME, 'mitm-'));
    for (const sub of ['upload', 'download']) mkdirSync(join(home, sub));
    execFileSync('chown', ['-R', `${PASSWORD_USER}:`, home]);
    f = await startPollFixture({ getSecret: sshdSecrets(genuine) });
    bank = sshdBank(genuine, {
      bank_code: 'mitm',
      sftp_username: PASSWORD_USER,
      auth: { method: 'password', password_secret: 'test-password' },
      upload_path: join(home, 'upload'),
      download_path: join(home, 'download'),
      pgp: BANK_PGP,
    });
    writeFileSync(join(home, 'download', 'REC_20261126_01.txt'), await f.genuineFile('REC_20261126_01.txt'));
    telemetry = createTelemetry({ serviceName: 'banking-sftp', instanceId: 'security' });
    telemetry.registerBanks(['mitm']);
  });
  afterAll(async () => {
    await f?.close();
    for (const s of servers) await s.stop();
    await telemetry?.shutdown();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('works against the genuine server (password login seen in its log)', async () => {
    const result = await poll();
    expect(result.applied.map((a) => a.name)).toEqual(['REC_20261126_01.txt']);
    expect(genuine.log()).toMatch(new RegExp(`Accepted password for ${PASSWORD_USER}`));
  });

  it('refuses the impostor with host_key_mismatch before sending the password', async () => {
    const port = genuine.port;
    await genuine.stop({ dropSessions: true });
    impostor = await startSshd({ port, logLevel: 'VERBOSE' });
    servers.push(impostor);
    expect(impostor.hostKeyFingerprint).not.toBe(genuine.hostKeyFingerprint);

    const listing = await refusal(poll());
    expect(listing).toMatchObject({ code: 'host_key_mismatch', retryClass: 'critical' });
    expect(listing.message).toContain(
      `host key ${impostor.hostKeyFingerprint} matches none of the pinned fingerprints`,
    );
    expect(listing.message).toContain('connection refused');

    const upload = await refusal(
      observeTransport(f.transport, telemetry).upload(bank, {
        name: 'PAY_20261126_0001.txt',
        bytes: new TextEncoder().encode('payment file'),
      }),
    );
    expect(upload).toMatchObject({ code: 'host_key_mismatch', retryClass: 'critical' });
    expect(readdirSync(join(home, 'upload'))).toEqual([]);

    // the impostor saw connections, and not one authentication attempt
    expect(impostor.log()).toMatch(/Connection from 127\.0\.0\.1/);
    expect(impostor.log()).not.toMatch(/Accepted|Failed|password|publickey|Postponed/i);
    expect(await mismatches()).toBe(2);
  });

  it('keeps running: with the genuine server back on its port, the next poll succeeds', async () => {
    const port = impostor!.port;
    await impostor!.stop({ dropSessions: true });
    const back = await startSshd({ port, hostPrivateKey: genuine.hostPrivateKey });
    servers.push(back);
    expect(back.hostKeyFingerprint).toBe(genuine.hostKeyFingerprint);
    const result = await poll();
    expect(result.skipped).toEqual(['REC_20261126_01.txt']);
    expect(await mismatches()).toBe(2);
  });
});
