/**
 * The sandbox bank's keys and credentials, generated on first start and kept:
 * - `<sandbox.dir>/<bank>/.sandbox/host_key` (Ed25519) and `host_key_rsa` (RSA, offered only in the legacy
 *   algorithms fault), never visible over SFTP;
 * - `<sandbox.dir>/<bank>/host_key.sha256` and `host_key_rsa.sha256`: their OpenSSH fingerprints, which the
 *   client pins for `sandbox: true` banks (`sandboxHostKeyPins`), so even the sandbox is never "accept any key";
 * - the user's password (or private key) written as the secret the bank config names, as a file
 *   `<secrets.dir>/<secret name>` holding exactly the value, mode 0600 (the file secret store's format).
 *
 * @example
 *   const pins = sandboxHostKeyPins(bank, config.sandbox.dir); // ['SHA256:…', 'SHA256:…']
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2, { type ParsedKey } from 'ssh2';
import type { BankConfig } from '../../config/schema.ts';
import { fingerprintOf } from '../host-key.ts';

export function bankDir(sandboxDir: string, bankCode: string): string {
  return join(sandboxDir, bankCode);
}

export function privateDir(sandboxDir: string, bankCode: string): string {
  return join(bankDir(sandboxDir, bankCode), '.sandbox');
}

function writeSecretFile(path: string, value: string): void {
  writeFileSync(path, value, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function parsed(privateKey: string, passphrase?: string): ParsedKey {
  const key = ssh2.utils.parseKey(privateKey, passphrase);
  if (key instanceof Error) throw key;
  return Array.isArray(key) ? key[0]! : key;
}

/**
 * ssh2's generator writes an Ed25519 key whose public half starts with a zero byte as 31 bytes, which its own
 * parser then refuses ("Malformed OpenSSH private key"): about 1 key in 200. Such a key is drawn again.
 */
export function generatePrivateKey(type: 'ed25519' | 'rsa'): string {
  for (;;) {
    const pair =
      type === 'rsa'
        ? ssh2.utils.generateKeyPairSync('rsa', { bits: 2048 })
        : ssh2.utils.generateKeyPairSync('ed25519');
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return pair.private;
  }
}

export interface SandboxHostKeys {
  ed25519: string;
  rsa: string;
}

function ensureKey(dir: string, file: string, type: 'ed25519' | 'rsa'): string {
  const path = join(dir, file);
  if (!existsSync(path)) writeSecretFile(path, generatePrivateKey(type));
  const key = readFileSync(path, 'utf8');
  const fingerprint = fingerprintOf(parsed(key).getPublicSSH());
  writeFileSync(join(dir, '..', `${file}.sha256`), `${fingerprint}\n`);
  return key;
}

export function ensureHostKeys(sandboxDir: string, bankCode: string): SandboxHostKeys {
  const dir = privateDir(sandboxDir, bankCode);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return { ed25519: ensureKey(dir, 'host_key', 'ed25519'), rsa: ensureKey(dir, 'host_key_rsa', 'rsa') };
}

/** The fingerprints a client pins for a `sandbox: true` bank; empty until the sandbox has started once. */
export function sandboxHostKeyPins(bank: Pick<BankConfig, 'bank_code'>, sandboxDir: string): string[] {
  const pins: string[] = [];
  for (const file of ['host_key.sha256', 'host_key_rsa.sha256']) {
    const path = join(bankDir(sandboxDir, bank.bank_code), file);
    if (existsSync(path)) pins.push(readFileSync(path, 'utf8').trim());
  }
  return pins.filter((pin) => pin.startsWith('SHA256:'));
}

export type SandboxUser = { username: string } & (
  | { method: 'password'; password: string }
  | { method: 'key'; publicKey: ParsedKey }
);

/** The bank's SFTP user; its password or private key is created in the secrets directory on first start. */
export function ensureSandboxUser(bank: Pick<BankConfig, 'sftp_username' | 'auth'>, secretsDir: string): SandboxUser {
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  if (bank.auth.method === 'password') {
    const path = join(secretsDir, bank.auth.password_secret);
    if (!existsSync(path)) writeSecretFile(path, randomBytes(18).toString('base64url'));
    return { username: bank.sftp_username, method: 'password', password: readFileSync(path, 'utf8') };
  }
  const keyPath = join(secretsDir, bank.auth.private_key_secret);
  if (!existsSync(keyPath)) writeSecretFile(keyPath, generatePrivateKey('ed25519'));
  const passphrasePath = bank.auth.passphrase_secret ? join(secretsDir, bank.auth.passphrase_secret) : undefined;
  const passphrase = passphrasePath && existsSync(passphrasePath) ? readFileSync(passphrasePath, 'utf8') : undefined;
  const key = parsed(readFileSync(keyPath, 'utf8'), passphrase);
  return { username: bank.sftp_username, method: 'key', publicKey: parsed(publicLine(key)) };
}

function publicLine(key: ParsedKey): string {
  return `${key.type} ${key.getPublicSSH().toString('base64')}`;
}
