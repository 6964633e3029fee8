import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { OPENPGP_CONFIG } from './config.ts';
import { generateKeyPair } from './generate.ts';
import { locateEncryptedData } from './packets.ts';
import { PacketBodyReader, type SeipdCipher, SeipdDecryptor, SeipdEncryptor } from './seipd.ts';
import { concat } from './streams.ts';

let publicKey: openpgp.PublicKey;
let privateKey: openpgp.PrivateKey;

beforeAll(async () => {
  const pair = await generateKeyPair({ userId: 'Seipd Test <seipd@test.example>' });
  publicKey = await openpgp.readKey({ armoredKey: pair.publicKeyArmored });
  privateKey = await openpgp.readPrivateKey({ armoredKey: pair.privateKeyArmored });
});

// The literal packet carries a date: one fixed date, or a second boundary between two writes breaks equality.
const LITERAL_DATE = new Date('2026-11-25T01:00:00Z');
const KEY_BYTES: Record<SeipdCipher, number> = { aes128: 16, aes192: 24, aes256: 32 };

/** Cuts bytes at the given fractions (sorted, deduplicated): the chunking a stream might deliver. */
function cut(bytes: Uint8Array, fractions: number[]): Uint8Array[] {
  const points = [...new Set(fractions.map((f) => Math.floor(f * bytes.length)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    pieces.push(bytes.subarray(from, p));
    from = p;
  }
  pieces.push(bytes.subarray(from));
  return pieces;
}

async function literalPackets(plaintext: Uint8Array): Promise<Uint8Array> {
  const message = await openpgp.createMessage({
    binary: plaintext,
    format: 'binary',
    filename: 'f.txt',
    date: LITERAL_DATE,
  });
  return message.write() as Uint8Array;
}

/** What our reader does with a whole message: find the SEIPD body, unframe it, decrypt it. */
function decryptOurs(message: Uint8Array, algorithm: SeipdCipher, key: Uint8Array, chunks: number[]): Uint8Array {
  const where = locateEncryptedData(message.subarray(0, 64 * 1024));
  if (!where) throw new Error('no SEIPD packet found');
  const reader = new PacketBodyReader(where.first);
  const decryptor = new SeipdDecryptor(algorithm, key);
  const out: Uint8Array[] = [];
  for (const piece of cut(message.subarray(where.bodyOffset), chunks)) {
    for (const body of reader.push(piece)) out.push(...decryptor.push(body));
  }
  reader.end();
  out.push(...decryptor.end());
  return concat(out);
}

async function encryptedByOpenpgp(plaintext: Uint8Array, algorithm: SeipdCipher, key: Uint8Array) {
  const message = await openpgp.createMessage({
    binary: plaintext,
    format: 'binary',
    filename: 'f.txt',
    date: LITERAL_DATE,
  });
  return openpgp.encrypt({
    message,
    encryptionKeys: [publicKey],
    sessionKey: { data: key, algorithm },
    format: 'binary',
    config: { ...OPENPGP_CONFIG, aeadProtect: false },
  });
}

async function decryptedByOpenpgp(message: Uint8Array): Promise<Uint8Array> {
  const result = await openpgp.decrypt({
    message: await openpgp.readMessage({ binaryMessage: message }),
    decryptionKeys: [privateKey],
    format: 'binary',
    config: OPENPGP_CONFIG,
  });
  return result.data as Uint8Array;
}

function encryptOurs(inner: Uint8Array, algorithm: SeipdCipher, key: Uint8Array, chunks: number[]): Uint8Array {
  const encryptor = new SeipdEncryptor(algorithm, key);
  const out: Uint8Array[] = [];
  for (const piece of cut(inner, chunks)) out.push(...encryptor.push(piece));
  out.push(...encryptor.end());
  return concat(out);
}

async function sessionKeyPacketFor(key: Uint8Array, algorithm: SeipdCipher): Promise<Uint8Array> {
  return openpgp.encryptSessionKey({
    data: key,
    algorithm,
    encryptionKeys: [publicKey],
    format: 'binary',
    config: OPENPGP_CONFIG,
  });
}

const cipherArb = fc.constantFrom<SeipdCipher>('aes128', 'aes192', 'aes256');
// Sizes around the block, the held-back MDC and the 1 MiB partial chunk, and arbitrary ones.
const sizeArb = fc.oneof(
  fc.integer({ min: 0, max: 70 }),
  fc.integer({ min: 0, max: 70_000 }),
  fc.constantFrom((1 << 20) - 40, (1 << 20) - 1, 1 << 20, (1 << 20) + 17, 3 * (1 << 20) + 5),
);
const chunksArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 });

describe('SEIPD v1 on node:crypto', () => {
  it('decrypts what openpgp.js encrypts, whatever the cipher, size and chunking', async () => {
    await fc.assert(
      fc.asyncProperty(cipherArb, sizeArb, chunksArb, async (algorithm, size, chunks) => {
        const plaintext = randomBytes(size);
        const key = randomBytes(KEY_BYTES[algorithm]);
        const message = await encryptedByOpenpgp(plaintext, algorithm, key);
        const inner = decryptOurs(message, algorithm, key, chunks);
        expect(Buffer.from(inner).equals(Buffer.from(await literalPackets(plaintext)))).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('writes packets openpgp.js decrypts, whatever the cipher, size and chunking', async () => {
    await fc.assert(
      // openpgp.js refuses AES-192 for a Curve25519 key whose preferences do not list it: a policy, not a format.
      fc.asyncProperty(
        fc.constantFrom<SeipdCipher>('aes128', 'aes256'),
        sizeArb,
        chunksArb,
        async (algorithm, size, chunks) => {
          const plaintext = randomBytes(size);
          const key = randomBytes(KEY_BYTES[algorithm]);
          const seipd = encryptOurs(await literalPackets(plaintext), algorithm, key, chunks);
          const message = concat([await sessionKeyPacketFor(key, algorithm), seipd]);
          expect(Buffer.from(await decryptedByOpenpgp(message)).equals(plaintext)).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('frames the packet with 1 MiB partial lengths and a definite last length', () => {
    const key = randomBytes(32);
    const packet = encryptOurs(new Uint8Array(3 << 20), 'aes256', key, [0.3]);
    expect(packet[0]).toBe(0xc0 | 18);
    expect(packet[1]).toBe(0xe0 + 20);
    // 1 (version) + 18 (prefix) + 3 MiB + 22 (MDC): three partial chunks, then a definite 41.
    const last = 1 + 3 * (1 + (1 << 20));
    expect(packet[1 + 1 + (1 << 20)]).toBe(0xe0 + 20);
    expect(packet[last]).toBe(41);
    expect(packet.length).toBe(last + 1 + 41);
  });

  it('refuses a message altered anywhere: prefix, data, MDC header or hash', async () => {
    const key = randomBytes(32);
    const plaintext = randomBytes(5000);
    const message = await encryptedByOpenpgp(plaintext, 'aes256', key);
    const where = locateEncryptedData(message)!;
    const body = where.bodyOffset;
    for (const at of [body + 3, body + 2000, message.length - 21, message.length - 1]) {
      const altered = message.slice();
      altered[at]! ^= 0x01;
      expect(() => decryptOurs(altered, 'aes256', key, [0.5]), `byte ${at}`).toThrow(/Modification detected/);
    }
  });

  it('refuses the wrong session key, a truncated packet, data after it and another version', async () => {
    const key = randomBytes(32);
    const message = await encryptedByOpenpgp(randomBytes(3000), 'aes256', key);
    expect(() => decryptOurs(message, 'aes256', randomBytes(32), [])).toThrow(/Modification detected/);
    expect(() => decryptOurs(message.subarray(0, message.length - 10), 'aes256', key, [])).toThrow(/truncated/);
    expect(() => decryptOurs(concat([message, Uint8Array.of(0xc0 | 11, 0)]), 'aes256', key, [])).toThrow(
      /after the encrypted packet/,
    );
    const where = locateEncryptedData(message)!;
    const v2 = message.slice();
    v2[where.bodyOffset] = 2;
    expect(() => decryptOurs(v2, 'aes256', key, [])).toThrow(/version 2/);
    expect(() => new SeipdDecryptor('aes256', randomBytes(16))).toThrow(/needs 32/);
  });

  it('finds the encrypted packet behind old-format session key packets (as GnuPG writes them) only', () => {
    const pkesk = Uint8Array.of(0x84, 3, 3, 0, 0); // old format, tag 1, length 3
    const seipdHead = Uint8Array.of(0xc0 | 18, 0xe0 + 13, 1);
    const found = locateEncryptedData(concat([pkesk, seipdHead]));
    expect(found?.bodyOffset).toBe(pkesk.length + 2);
    expect(found?.first).toEqual({ length: 1 << 13, partial: true });
    expect(Array.from(found!.sessionKeyPackets)).toEqual(Array.from(pkesk));
    // A literal packet before it (not a session key packet): not our layout.
    expect(locateEncryptedData(concat([Uint8Array.of(0xc0 | 11, 1, 0), seipdHead]))).toBeUndefined();
  });
});
