/**
 * Host key pinning. A bank's host key is pinned by its OpenSSH SHA-256 fingerprint (`SHA256:` + unpadded
 * base64 of the SHA-256 of the public key blob, as `ssh-keygen -lf` prints it). Several pins are allowed so a
 * bank can rotate its key with an overlap. Nothing is ever accepted silently: a bank without pins is refused
 * unless its config says `insecure_accept_any_host_key` (sandbox only).
 *
 * @example
 *   const policy = hostKeyPolicy(bank, { extraPins: sandboxHostKeyPins(bank, config.sandbox.dir) });
 */
import { createHash } from 'node:crypto';
import type { BankConfig } from '../config/schema.ts';
import { sftpError } from './errors.ts';

export function fingerprintOf(publicKeyBlob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(publicKeyBlob).digest('base64').replace(/=+$/, '')}`;
}

function normalise(fingerprint: string): string {
  return fingerprint.trim().replace(/=+$/, '');
}

export interface HostKeyPolicy {
  pins: string[];
  acceptAny: boolean;
}

/** The pins that apply to a bank: its configured ones plus `extraPins` (e.g. the sandbox's own key). */
export function hostKeyPolicy(
  bank: Pick<BankConfig, 'bank_code' | 'host_key_sha256' | 'insecure_accept_any_host_key'>,
  options: { extraPins?: string[] } = {},
): HostKeyPolicy {
  const configured = bank.host_key_sha256 === undefined ? [] : [bank.host_key_sha256].flat();
  const pins = [...configured, ...(options.extraPins ?? [])].map(normalise);
  if (pins.length === 0 && !bank.insecure_accept_any_host_key) {
    throw sftpError(
      'host_key_not_pinned',
      `bank ${bank.bank_code}: no host key fingerprint configured; pin host_key_sha256 ` +
        '(insecure_accept_any_host_key is for the sandbox only)',
      { bank: bank.bank_code },
    );
  }
  return { pins, acceptAny: pins.length === 0 && bank.insecure_accept_any_host_key };
}

/**
 * A bank that would accept any host key: `insecure_accept_any_host_key` with no pin, outside the sandbox (whose
 * banks are pinned to the sandbox's own keys). Warned about at start and shown in `/health`.
 */
export function acceptsAnyHostKey(
  bank: Pick<BankConfig, 'host_key_sha256' | 'insecure_accept_any_host_key' | 'sandbox'>,
): boolean {
  const pins = bank.host_key_sha256 === undefined ? [] : [bank.host_key_sha256].flat();
  return bank.insecure_accept_any_host_key && !bank.sandbox && pins.length === 0;
}

export function matchesPin(policy: HostKeyPolicy, fingerprint: string): boolean {
  if (policy.pins.length === 0) return policy.acceptAny;
  return policy.pins.includes(normalise(fingerprint));
}
