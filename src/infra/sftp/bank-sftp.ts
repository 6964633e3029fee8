/**
 * The SFTP side of one bank, as the bank actor uses it: a pool, and upload / list / download / dispose /
 * testConnection against the bank's configured paths and patterns.
 *
 * @example
 *   const sftp = createBankSftp(bank, { getSecret, settings: config.sftp,
 *     extraPins: bank.sandbox ? sandboxHostKeyPins(bank, config.sandbox.dir) : [] });
 *   await sftp.upload({ remoteName: 'PAY_20261125_0001.txt', source: { bytes: encryptedFile } });
 *   const { stable } = await sftp.listStable({ date: '2026-11-25' });
 *   await sftp.end();
 */
import type { BankConfig, Config } from '../config/schema.ts';
import type { ByteSource } from './byte-source.ts';
import type { ConnectOptions, SftpConnection } from './connection.ts';
import {
  type DisposeAction,
  type DownloadDestination,
  type DownloadResult,
  disposeRemoteFile,
  downloadFile,
  type TransferTuning,
} from './download.ts';
import { sftpError } from './errors.ts';
import { DEFAULT_LISTING_LIMITS, type Listing, listRemote, listStable, type StableListing } from './listing.ts';
import { createSftpPool, type PoolStats, type SftpPool } from './pool.ts';
import { untrustedNameReason } from './remote-names.ts';
import { type ConnectionReport, testConnection } from './test-connection.ts';
import { type UploadResult, uploadFile } from './upload.ts';

export type SftpSettings = Config['sftp'];

export interface BankSftpOptions extends Omit<ConnectOptions, 'timeouts'> {
  settings?: Partial<SftpSettings>;
  tuning?: TransferTuning;
  /** Replaces the real connect in the pool (tests). */
  connect?: () => Promise<SftpConnection>;
}

export interface BankSftp {
  readonly bankCode: string;
  readonly pool: SftpPool;
  upload(request: {
    remoteName: string;
    source: ByteSource;
    beforeRename?: () => Promise<void>;
  }): Promise<UploadResult>;
  list(options?: { date?: string; pattern?: string }): Promise<Listing>;
  listStable(options?: {
    date?: string;
    pattern?: string;
    wait?: (ms: number) => Promise<void>;
  }): Promise<StableListing>;
  /** `maxBytes`: stop with `too_large` past that many bytes. */
  download(
    remoteName: string,
    destination: DownloadDestination,
    limits?: { maxBytes?: number },
  ): Promise<DownloadResult>;
  dispose(remoteName: string, how: DisposeAction): Promise<void>;
  testConnection(): Promise<ConnectionReport>;
  stats(): PoolStats;
  end(): Promise<void>;
}

export function createBankSftp(bank: BankConfig, options: BankSftpOptions): BankSftp {
  const settings = options.settings ?? {};
  const connectOptions: ConnectOptions = {
    getSecret: options.getSecret,
    ...(options.getFreshSecret ? { getFreshSecret: options.getFreshSecret } : {}),
    extraPins: options.extraPins ?? [],
    ...(options.preferCiphers ? { preferCiphers: options.preferCiphers } : {}),
    timeouts: {
      ...(settings.connect_timeout_ms ? { connectMs: settings.connect_timeout_ms } : {}),
      ...(settings.keepalive_ms ? { keepaliveMs: settings.keepalive_ms } : {}),
      ...(settings.operation_timeout_ms ? { operationMs: settings.operation_timeout_ms } : {}),
    },
  };
  const pool = createSftpPool(bank, {
    ...connectOptions,
    max: settings.pool_max ?? 5,
    idleCheckMs: settings.idle_check_ms ?? 60_000,
    ...(options.connect ? { connect: options.connect } : {}),
  });
  const limits = {
    maxEntries: settings.max_listing_entries ?? DEFAULT_LISTING_LIMITS.maxEntries,
    maxBytes: settings.max_listing_bytes ?? DEFAULT_LISTING_LIMITS.maxBytes,
  };
  // `parallel_writes: false` (banks configured before max_outstanding_requests) keeps writes one at a time
  const writeTuning: TransferTuning = {
    ...options.tuning,
    maxOutstanding:
      bank.parallel_writes === false ? 1 : (options.tuning?.maxOutstanding ?? bank.max_outstanding_requests),
  };
  const readTuning: TransferTuning = {
    ...options.tuning,
    maxOutstanding: options.tuning?.maxOutstanding ?? bank.max_outstanding_requests,
  };
  const remoteFile = (name: string) => {
    const reason = untrustedNameReason(name);
    if (reason)
      throw sftpError('untrusted_name', `remote name ${JSON.stringify(name)} ${reason}`, { bank: bank.bank_code });
    return `${bank.download_path.replace(/\/+$/, '')}/${name}`;
  };
  return {
    bankCode: bank.bank_code,
    pool,
    upload: (request) =>
      pool.use((conn) =>
        uploadFile(conn, {
          ...writeTuning,
          ...request,
          remoteDir: bank.upload_path,
        }),
      ),
    list: (o = {}) =>
      pool.use((conn) =>
        listRemote(conn, bank.download_path, {
          pattern: o.pattern ?? bank.reconciliation_file_pattern,
          date: o.date,
          limits,
        }),
      ),
    listStable: (o = {}) =>
      pool.use((conn) =>
        listStable(conn, bank.download_path, {
          pattern: o.pattern ?? bank.reconciliation_file_pattern,
          date: o.date,
          limits,
          intervalMs: settings.stability_interval_ms ?? 5_000,
          ...(o.wait ? { wait: o.wait } : {}),
        }),
      ),
    download: async (remoteName, destination, sizeLimit = {}) => {
      const path = remoteFile(remoteName);
      return pool.use((conn) => downloadFile(conn, path, destination, { ...readTuning, ...sizeLimit }));
    },
    dispose: async (remoteName, how) => {
      const path = remoteFile(remoteName);
      return pool.use((conn) => disposeRemoteFile(conn, path, how));
    },
    testConnection: () => testConnection(bank, connectOptions),
    stats: () => pool.stats(),
    end: () => pool.end(),
  };
}
