import { describe, expect, it } from 'vitest';
import { printableAsciiHash } from './chars.ts';
import { TransactionIdSet } from './id-set.ts';

describe('TransactionIdSet', () => {
  it('finds each repeated id, whatever the hashes collide on', () => {
    for (const hashOf of [printableAsciiHash, () => 7]) {
      const set = new TransactionIdSet(3); // more ids than expected: the table still has room (16 slots)
      const ids = Array.from({ length: 12 }, (_, i) => `TX${i}`);
      for (const id of ids) expect(set.add(id, hashOf(id))).toBe(true);
      for (const id of ids) expect(set.add(id, hashOf(id))).toBe(false);
      expect(set.add('TX12', hashOf('TX12'))).toBe(true);
    }
  });

  it('refuses an id beyond its size rather than probing a full table forever', () => {
    const set = new TransactionIdSet(3);
    for (let i = 0; i < 15; i++) set.add(`TX${i}`, 7);
    expect(() => set.add('TX15', 7)).toThrow(RangeError);
  });

  it('holds a full batch of 5,000 distinct ids', () => {
    const set = new TransactionIdSet(5000);
    for (let i = 0; i < 5000; i++) expect(set.add(`TX${i}`, printableAsciiHash(`TX${i}`))).toBe(true);
    expect(set.add('TX4999', printableAsciiHash('TX4999'))).toBe(false);
  });
});

describe('printableAsciiHash', () => {
  it('is -1 for a space, a control character or anything beyond ASCII, else a non-negative int32', () => {
    for (const bad of ['TX 1', 'TX\t1', 'TX\x7f', 'TX１', '王']) expect(printableAsciiHash(bad)).toBe(-1);
    for (const good of ['TX1', '~', '!"#$%&', 'X'.repeat(20)]) {
      const h = printableAsciiHash(good);
      expect(h).toBeGreaterThanOrEqual(0);
      expect(h | 0).toBe(h);
      expect(printableAsciiHash(`${good}`)).toBe(h);
    }
  });
});
