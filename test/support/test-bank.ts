/**
 * The parts every loopback test server's bank config and secret lookup share (OpenSSH, ProFTPD, asyncssh): a
 * CSV bank on 127.0.0.1 with the standard file patterns, validated by the real schema.
 */
import { type BankConfig, bankSchema } from '../../src/infra/config/schema.ts';

export interface LoopbackServer {
  bank_code: string;
  bank_name: string;
  /** Three digits, also the start of the originator's bank unit. */
  fisc_code: string;
  sftp_port: number;
  sftp_username: string;
  private_key_secret: string;
  host_key_sha256: string;
  upload_path: string;
  download_path: string;
}

export function loopbackBank(server: LoopbackServer, overrides: Record<string, unknown> = {}): BankConfig {
  const { private_key_secret, ...fields } = server;
  return bankSchema.parse({
    ...fields,
    sftp_host: '127.0.0.1',
    auth: { method: 'key', private_key_secret },
    file_format: 'csv',
    encoding: 'UTF-8',
    payment_file_pattern: 'PAY_{YYYYMMDD}_{BATCH}.txt',
    reconciliation_file_pattern: 'REC_{YYYYMMDD}*.txt',
    cutoff_time: '15:30',
    pgp: { bank_public_key_secret: 'unused' },
    originator_account: { bank_unit: `${server.fisc_code}0001`, account_number: '1234567890' },
    ...overrides,
  });
}

/** The injected `getSecret` of the SFTP client over a fixed table; an unknown name fails as the store would. */
export function secretLookup(secrets: Record<string, string>): (name: string) => Promise<string> {
  return async (name) => {
    const value = secrets[name];
    if (value === undefined) throw new Error(`no secret ${name}`);
    return value;
  };
}
