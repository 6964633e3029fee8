import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { generatePrivateKey } from './keys.ts';

describe('sandbox key generation', () => {
  it('every generated Ed25519 key is one ssh2 can read back (ssh2 writes about 1 in 200 wrong)', () => {
    for (let i = 0; i < 800; i++) {
      const key = ssh2.utils.parseKey(generatePrivateKey('ed25519'));
      expect(key).not.toBeInstanceOf(Error);
    }
  });
});
