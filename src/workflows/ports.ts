/**
 * What the workflows need from the outside world, per bank. main.ts implements these with the SFTP pool, the
 * PGP engines and the mailer; tests use the same real adapters against sandbox banks.
 */
import type { BankConfig } from '../infra/config/schema.ts';

export interface BankCrypto {
  /** Sign-then-encrypt a file we send (or pass it through when the bank profile says so). */
  protect(bank: BankConfig, fileName: string, plaintext: Uint8Array): Promise<Uint8Array>;
  /** Decrypt-then-verify a file the bank sent. Throws an OperationalError on any failure. */
  open(bank: BankConfig, fileName: string, data: Uint8Array): Promise<Uint8Array>;
}

export interface UploadOutcome {
  outcome: 'uploaded' | 'already_done';
  bytes: number;
  sha256: string;
  durationMs: number;
  remotePath: string;
}

export interface RemoteFile {
  name: string;
  size: number;
  /** Seconds since the epoch, as SFTP reports it. */
  mtime: number;
}

export interface BankTransport {
  upload(bank: BankConfig, file: { name: string; bytes: Uint8Array }, signal?: AbortSignal): Promise<UploadOutcome>;
  /** Files in the download path matching the bank's pattern for these days, that passed the stability rule. */
  listStable(
    bank: BankConfig,
    days: string[],
    signal?: AbortSignal,
  ): Promise<{ files: RemoteFile[]; rejected: string[] }>;
  download(
    bank: BankConfig,
    name: string,
    signal?: AbortSignal,
  ): Promise<{ bytes: Uint8Array; sha256: string; durationMs: number }>;
  healthCheck(bank: BankConfig, signal?: AbortSignal): Promise<{ latencyMs: number }>;
}

export interface Notifier {
  /** Email (and webhook when configured); with no SMTP configured, the outbox table and the log. */
  notify(message: { subject: string; text: string; html?: string; kind: string }): Promise<void>;
}
