import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureKeys } from '../../../test/fixtures/pgp/fixtures.ts';
import { OPENPGP_CONFIG } from './config.ts';
import { InnerDigester } from './inner-digest.ts';
import type { KeyEntry } from './keyring.ts';
import { fastSigner, readSignedLiteral, signedLiteral } from './signed-literal.ts';
import { collect, concat } from './streams.ts';

const NOW = new Date('2026-11-26T01:00:00Z');

async function unlock(name: 'ours_rsa3072' | 'ours_ed25519') {
  const k = fixtureKeys[name];
  const key = await openpgp.readPrivateKey({ armoredKey: k.privateKeyArmored });
  return k.passphrase ? openpgp.decryptKey({ privateKey: key, passphrase: k.passphrase }) : key;
}

async function* pieces(bytes: Uint8Array, cuts: number[] = []): AsyncIterable<Uint8Array> {
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length)].sort((a, b) => a - b)) {
    yield bytes.slice(at, cut);
    at = cut;
  }
  yield bytes.slice(at);
}

/** What decryptFast does with the inner packets: digests beside, reader on the main side. */
async function read(message: Uint8Array, keys: KeyEntry[], cuts: number[] = []) {
  const digester = new InnerDigester();
  let digests: (Uint8Array | null)[] | undefined;
  let contentSha256: string | undefined;
  async function* source() {
    for await (const chunk of pieces(message, cuts)) {
      digester.push(chunk);
      yield chunk;
    }
    const inner = digester.end();
    digests = inner.digests;
    contentSha256 = inner.contentSha256;
  }
  const r = readSignedLiteral(message.subarray(0, 4096), source(), () => digests, keys, NOW);
  if (r.fallback) return { fallback: true as const };
  const data = await collect(r.data);
  // What openFile records as the plaintext's SHA-256 without hashing it again: it must be the data's.
  expect(contentSha256).toBe(createHash('sha256').update(data).digest('hex'));
  return { fallback: false as const, data, signatures: await r.finish() };
}

const entry = (key: openpgp.Key) => ({ key }) as KeyEntry;
const u32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
};

describe.each(['ours_rsa3072', 'ours_ed25519'] as const)('one-pass signed literal data with %s', (name) => {
  let key: openpgp.PrivateKey;
  let keyId: string;
  beforeAll(async () => {
    key = await unlock(name);
    keyId = (await key.getSigningKey(undefined, NOW)).getKeyID().toHex().toUpperCase();
  });

  async function sign(data: Uint8Array, cuts: number[] = [], filename = 'PAY_20261126_01.txt') {
    const signer = await fastSigner(key, NOW);
    expect(signer).toBeDefined();
    return collect(signedLiteral(pieces(data, cuts), signer!, filename, NOW)!);
  }

  it('writes what openpgp.js verifies: one-pass header, literal data with name and date, signature', async () => {
    const data = randomBytes(3 << 20); // several 1 MiB partial chunks
    const message = await sign(data, [1, 700_000]);
    const verified = await openpgp.verify({
      message: await openpgp.readMessage({ binaryMessage: message }),
      verificationKeys: [key.toPublic()],
      format: 'binary',
      date: NOW,
      config: OPENPGP_CONFIG,
    });
    expect(Buffer.from(verified.data as Uint8Array).equals(data)).toBe(true);
    await expect(verified.signatures[0]!.verified).resolves.toBe(true);
    expect(verified.signatures[0]!.keyID.toHex().toUpperCase()).toBe(keyId);
    const literal = (await openpgp.readMessage({ binaryMessage: message })).packets.findPacket(
      openpgp.enums.packet.literalData,
    ) as unknown as { filename: string; date: Date };
    expect(literal.filename).toBe('PAY_20261126_01.txt');
    expect(literal.date).toEqual(NOW);
  });

  it('reads back its own and openpgp.js messages, however the bytes are cut', async () => {
    const data = randomBytes(70_000);
    const ours = await sign(data);
    const theirs = (await openpgp.sign({
      message: await openpgp.createMessage({ binary: data, format: 'binary' }),
      signingKeys: [key],
      format: 'binary',
      date: NOW,
      config: OPENPGP_CONFIG,
    })) as Uint8Array;
    for (const message of [ours, theirs]) {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.nat({ max: message.length }), { maxLength: 8 }), async (cuts) => {
          const r = await read(message, [entry(key.toPublic())], cuts);
          expect(r.fallback).toBe(false);
          if (r.fallback) return;
          expect(Buffer.from(r.data).equals(data)).toBe(true);
          expect(r.signatures).toEqual([{ keyId, status: 'good' }]);
        }),
        { numRuns: 15 },
      );
    }
  });

  it('says bad when a content byte changed, no_key when the signer is not among the keys', async () => {
    const data = new TextEncoder().encode('D0001 0000150000 TX20261126000001\r\n'.repeat(40));
    const message = await sign(data);
    const tampered = message.slice();
    tampered[Buffer.from(message).indexOf('TX20261126') + 4]! ^= 0x01;
    const bad = await read(tampered, [entry(key.toPublic())]);
    expect(bad.fallback === false && bad.signatures).toEqual([
      { keyId, status: 'bad', detail: expect.stringMatching(/digest did not match|verification failed/i) },
    ]);
    const stranger = await openpgp.readKey({ armoredKey: fixtureKeys.stranger_ed25519.publicKeyArmored });
    const unknown = await read(message, [entry(stranger)]);
    expect(unknown.fallback === false && unknown.signatures[0]!.status).toBe('no_key');
  });

  it('refuses a message cut short: before its signature, or inside the literal data', async () => {
    const message = await sign(randomBytes(5000));
    const withoutSignature = message.subarray(0, lastPacketStart(message));
    await expect(read(withoutSignature, [entry(key.toPublic())])).rejects.toThrow(/ends before its signature/);
    await expect(read(message.subarray(0, 3000), [entry(key.toPublic())])).rejects.toThrow(/ends inside/);
  });

  it('leaves what it does not handle to openpgp.js: text signatures, compressed data', async () => {
    const text = (await openpgp.sign({
      message: await openpgp.createMessage({ text: 'hello\n' }),
      signingKeys: [key],
      format: 'binary',
      date: NOW,
      config: OPENPGP_CONFIG,
    })) as Uint8Array;
    expect((await read(text, [entry(key.toPublic())])).fallback).toBe(true);
    const signed = await sign(randomBytes(100));
    // A compressed data packet (tag 8, algorithm 0: stored) around the signed message.
    const compressed = concat([Uint8Array.of(0xc8, 0xff), u32(signed.length + 1), Uint8Array.of(0), signed]);
    expect((await read(compressed, [entry(key.toPublic())])).fallback).toBe(true);
  });

  it('has no literal packet for a file name over 255 bytes (openpgp.js signs that one)', async () => {
    const signer = await fastSigner(key, NOW);
    expect(signedLiteral(pieces(new Uint8Array(1)), signer!, 'x'.repeat(256), NOW)).toBeUndefined();
  });
});

/** Offset of the last top-level packet (the signature) of a message of new-format packets. */
function lastPacketStart(message: Uint8Array): number {
  let at = 0;
  let last = 0;
  while (at < message.length) {
    last = at;
    const l0 = message[at + 1]!;
    if (l0 < 192) {
      at += 2 + l0;
    } else if (l0 < 224) {
      at += 3 + ((l0 - 192) << 8) + message[at + 2]! + 192;
    } else if (l0 === 255) {
      at += 6 + new DataView(message.buffer, message.byteOffset + at + 2, 4).getUint32(0);
    } else {
      // Partial chunks until a definite length.
      at += 2 + (1 << (l0 & 0x1f));
      for (;;) {
        const c = message[at]!;
        if (c < 192) {
          at += 1 + c;
          break;
        }
        if (c < 224) {
          at += 2 + ((c - 192) << 8) + message[at + 1]! + 192;
          break;
        }
        if (c === 255) {
          at += 5 + new DataView(message.buffer, message.byteOffset + at + 1, 4).getUint32(0);
          break;
        }
        at += 1 + (1 << (c & 0x1f));
      }
    }
  }
  return last;
}
