import { describe, expect, it } from 'vitest';
import { dearmorHead, inspectMessageHead, looksArmored, PACKET, readPacketHeaders } from './packets.ts';

// PKESK v3 (new format, 12-byte body: version, key id, algorithm, 2 bytes of "session key") + SEIPD v1 partial.
const pkesk = [0xc1, 12, 3, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 18, 0xaa, 0xbb];
const seipd = [0xd2, 0xe0 + 1, 1, 0x99, 0x05, 1, 2, 3, 4, 5];

describe('readPacketHeaders', () => {
  it('lists recipients and the encrypted data packet version, stopping at the data packet', () => {
    const head = readPacketHeaders(new Uint8Array([...pkesk, ...seipd]));
    expect(head.packets).toEqual([
      { tag: PACKET.PKESK, version: 3, keyId: '1122334455667788', length: 12 },
      { tag: PACKET.SEIPD, version: 1 },
    ]);
  });

  it('follows partial-length bodies when asked for every packet', () => {
    const all = readPacketHeaders(new Uint8Array([...pkesk, ...seipd, 0xc2, 1, 4]), { all: true });
    expect(all.packets.map((p) => p.tag)).toEqual([PACKET.PKESK, PACKET.SEIPD, PACKET.SIGNATURE]);
  });

  it('reads old-format headers (gpg 1.x style) and flags AEAD packets', () => {
    const oldPkesk = [0x84, 12, ...pkesk.slice(2)];
    const aead = [0xd4, 3, 1, 9, 2];
    expect(readPacketHeaders(new Uint8Array([...oldPkesk, ...aead])).packets.map((p) => p.tag)).toEqual([
      PACKET.PKESK,
      PACKET.AEAD_ENCRYPTED,
    ]);
  });

  it('refuses bytes that are not packets', () => {
    expect(() => readPacketHeaders(new TextEncoder().encode('hello'))).toThrow(/not an OpenPGP packet/);
  });
});

describe('armored heads', () => {
  it('decodes the start of an armored message, skipping armor headers', () => {
    const body = Buffer.from([...pkesk, ...seipd]).toString('base64');
    const text = `-----BEGIN PGP MESSAGE-----\nComment: test\n\n${body}\n=abcd\n-----END PGP MESSAGE-----\n`;
    const bytes = new TextEncoder().encode(text);
    expect(looksArmored(bytes)).toBe(true);
    expect(Array.from(dearmorHead(bytes).subarray(0, 3))).toEqual([0xc1, 12, 3]);
    const head = inspectMessageHead(bytes);
    expect(head.armored).toBe(true);
    expect(head.packets[0]?.keyId).toBe('1122334455667788');
  });
});
