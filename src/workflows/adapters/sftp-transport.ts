/**
 * The BankTransport port on the SFTP layer: one pooled `BankSftp` per bank, created on first use. Sandbox banks
 * are pinned to the sandbox's own host keys, so the system never accepts an unknown key, even at home.
 */
import { Writable } from 'node:stream';
import type { BankConfig, Config } from '../../infra/config/schema.ts';
import { type BankSftp, createBankSftp } from '../../infra/sftp/bank-sftp.ts';
import { patternRegExp } from '../../infra/sftp/remote-names.ts';
import { sandboxHostKeyPins } from '../../infra/sftp/sandbox/index.ts';
import type { BankTransport } from '../ports.ts';
import { MAX_RECONCILIATION_FILE_BYTES } from '../reconciliation/poll-bank.ts';

export interface SftpTransport extends BankTransport {
  sftpFor(bank: BankConfig): BankSftp;
  end(): Promise<void>;
}

export function createSftpTransport(
  config: Pick<Config, 'sftp' | 'sandbox'>,
  getSecret: (name: string) => Promise<string>,
  options: {
    wait?: (ms: number) => Promise<void>;
    /** Downloads are held in memory: stop past this many bytes (default MAX_RECONCILIATION_FILE_BYTES). */
    maxDownloadBytes?: number;
    /** The secret store read past its cache, used once after an authentication refusal. */
    getFreshSecret?: (name: string) => Promise<string>;
  } = {},
): SftpTransport {
  const clients = new Map<string, BankSftp>();
  const sftpFor = (bank: BankConfig): BankSftp => {
    let client = clients.get(bank.bank_code);
    if (!client) {
      client = createBankSftp(bank, {
        getSecret,
        ...(options.getFreshSecret ? { getFreshSecret: options.getFreshSecret } : {}),
        settings: config.sftp,
        extraPins: bank.sandbox ? sandboxHostKeyPins(bank, config.sandbox.dir) : [],
      });
      clients.set(bank.bank_code, client);
    }
    return client;
  };
  return {
    sftpFor,
    async upload(bank, file) {
      const result = await sftpFor(bank).upload({ remoteName: file.name, source: { bytes: file.bytes } });
      return {
        outcome: result.status,
        bytes: result.bytes,
        sha256: result.sha256,
        durationMs: result.durationMs,
        remotePath: result.remotePath,
      };
    },
    async listStable(bank, days) {
      // One listing (one stability wait) for all the days; then keep the names dated one of them.
      const listing = await sftpFor(bank).listStable(options.wait ? { wait: options.wait } : {});
      const dated = days.map((date) => patternRegExp(bank.reconciliation_file_pattern, { date }));
      return {
        files: listing.stable
          .filter((f) => dated.some((re) => re.test(f.name)))
          .map((f) => ({ name: f.name, size: f.size, mtime: Math.floor(f.mtime.getTime() / 1000) })),
        rejected: listing.rejected.map((r) => r.name),
      };
    },
    async download(bank, name) {
      const chunks: Buffer[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          chunks.push(chunk);
          callback();
        },
      });
      const result = await sftpFor(bank).download(
        name,
        { sink },
        { maxBytes: options.maxDownloadBytes ?? MAX_RECONCILIATION_FILE_BYTES },
      );
      return { bytes: new Uint8Array(Buffer.concat(chunks)), sha256: result.sha256, durationMs: result.durationMs };
    },
    async healthCheck(bank) {
      const started = performance.now();
      await sftpFor(bank).pool.use(async (conn) => {
        await conn.stat(bank.upload_path).catch(async (error: unknown) => {
          // write-only drop boxes refuse STAT even of the directory: listing it shows it is there and ours
          if ((error as { code?: string }).code !== 'permission_denied') throw error;
          await conn.readdir(bank.upload_path);
        });
      });
      return { latencyMs: performance.now() - started };
    },
    async end() {
      await Promise.all([...clients.values()].map((c) => c.end()));
      clients.clear();
    },
  };
}
