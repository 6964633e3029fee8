import { describe, expect, it } from 'vitest';
import { acceptsAnyHostKey, fingerprintOf, hostKeyPolicy, matchesPin } from './host-key.ts';

const bank = { bank_code: 'mega', insecure_accept_any_host_key: false };

describe('host key pinning', () => {
  it('computes the OpenSSH SHA-256 fingerprint form (unpadded base64)', () => {
    // sha256('') = e3b0c442…; base64 without '='
    expect(fingerprintOf(new Uint8Array())).toBe('SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU');
  });

  it('accepts any of several pins and nothing else', () => {
    const a = fingerprintOf(Buffer.from('key a'));
    const b = fingerprintOf(Buffer.from('key b'));
    const policy = hostKeyPolicy({ ...bank, host_key_sha256: [a, `${b}=`] });
    expect(matchesPin(policy, a)).toBe(true);
    expect(matchesPin(policy, b)).toBe(true);
    expect(matchesPin(policy, fingerprintOf(Buffer.from('key c')))).toBe(false);
  });

  it('refuses a bank without pins unless it opts into accepting any key', () => {
    expect(() => hostKeyPolicy({ ...bank, host_key_sha256: undefined })).toThrow(/no host key fingerprint/);
    const insecure = hostKeyPolicy({ ...bank, host_key_sha256: undefined, insecure_accept_any_host_key: true });
    expect(matchesPin(insecure, fingerprintOf(Buffer.from('anything')))).toBe(true);
    // a pin, even with the insecure flag, is still enforced
    const pinned = hostKeyPolicy({
      ...bank,
      host_key_sha256: fingerprintOf(Buffer.from('k')),
      insecure_accept_any_host_key: true,
    });
    expect(matchesPin(pinned, fingerprintOf(Buffer.from('other')))).toBe(false);
  });

  it('flags a bank accepting any host key only outside the sandbox and without a pin', () => {
    const insecure = { insecure_accept_any_host_key: true, sandbox: false };
    expect(acceptsAnyHostKey(insecure)).toBe(true);
    expect(acceptsAnyHostKey({ ...insecure, sandbox: true })).toBe(false);
    expect(acceptsAnyHostKey({ ...insecure, host_key_sha256: 'SHA256:abc' })).toBe(false);
    expect(acceptsAnyHostKey({ insecure_accept_any_host_key: false, sandbox: false })).toBe(false);
  });
});
