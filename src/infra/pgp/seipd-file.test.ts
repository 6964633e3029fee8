import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { locateEncryptedData, PACKET } from './packets.ts';
import { PacketFramer, SeipdEncryptor } from './seipd.ts';
import { decryptFileSync, type FileDecryptionJob, OutputLimitError } from './seipd-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'seipd-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const key = randomBytes(32);
const content = Buffer.concat([randomBytes(3 << 20), Buffer.from('tail of the content')]);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A packet of `tag` around `body`, framed in partial lengths as the writers frame large packets. */
function packet(tag: number, body: Uint8Array): Uint8Array {
  const framer = new PacketFramer(tag);
  const out: Uint8Array[] = [];
  framer.push(body, out);
  framer.end(out);
  return Buffer.concat(out);
}

const literal = (data: Uint8Array) => packet(PACKET.LITERAL, Buffer.concat([Buffer.from([0x62, 0, 0, 0, 0, 0]), data]));

/** A SEIPD packet around `inner`, written to a file; the job that decrypts it to `output`. */
function encryptedFile(name: string, inner: Uint8Array, output = `${name}.out`): FileDecryptionJob {
  const encryptor = new SeipdEncryptor('aes256', key);
  const wire = Buffer.concat([...encryptor.push(inner), ...encryptor.end()]);
  writeFileSync(join(dir, name), wire);
  const where = locateEncryptedData(wire)!;
  return {
    input: join(dir, name),
    bodyOffset: where.bodyOffset,
    first: where.first,
    algorithm: 'aes256',
    key,
    output: join(dir, output),
    maxOutputBytes: 1 << 30,
  };
}

describe('decryptFileSync', () => {
  it('writes the literal content and hashes it (no signatures in this message)', () => {
    const job = encryptedFile('plain-literal', literal(content));
    const result = decryptFileSync(job);
    expect(result).toMatchObject({ fallback: false, bytesOut: content.length, signatures: [] });
    expect(sha(readFileSync(job.output))).toBe(sha(content));
    expect(result.fallback === false && result.contentSha256).toBe(sha(content));
  });

  it('reports a layout it does not read (compressed data) without creating the output', () => {
    const compressed = packet(PACKET.COMPRESSED, Buffer.concat([Buffer.from([1]), randomBytes(5000)]));
    const job = encryptedFile('compressed', compressed);
    expect(decryptFileSync(job)).toEqual({ fallback: true });
    expect(existsSync(job.output)).toBe(false);
  });

  it('stops at the output limit', () => {
    const job = { ...encryptedFile('too-big', literal(content)), maxOutputBytes: 1 << 20 };
    expect(() => decryptFileSync(job)).toThrow(OutputLimitError);
  });

  it('refuses a flipped bit (modification detected) and a cut-off file', () => {
    const job = encryptedFile('damaged', literal(content), 'damaged.out');
    const wire = readFileSync(job.input);
    wire[wire.length >> 1]! ^= 1;
    writeFileSync(job.input, wire);
    expect(() => decryptFileSync(job)).toThrow(/Modification detected/);
    writeFileSync(job.input, wire.subarray(0, wire.length - 100));
    expect(() => decryptFileSync({ ...job, output: `${job.output}.2` })).toThrow(/truncated/);
  });

  it('never writes over an existing file', () => {
    const job = encryptedFile('exists', literal(content));
    writeFileSync(job.output, 'already here');
    expect(() => decryptFileSync(job)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(readFileSync(job.output, 'utf8')).toBe('already here');
  });
});
