import { describe, expect, it } from 'vitest';
import { returnedIds } from './bank-simulator.ts';

const ids = (n: number, day = '20261126') =>
  Array.from({ length: n }, (_, i) => `TX${day}${String(i + 1).padStart(6, '0')}`);

describe('the sandbox bank returns its configured share', () => {
  it('returns at least one transaction of a small demo file at 5 %, and the share of a large one', () => {
    expect(returnedIds(ids(8), 0.05).size).toBe(1);
    expect(returnedIds(ids(40), 0.05).size).toBe(2);
    expect(returnedIds(ids(1000), 0.05).size).toBe(50);
    expect(returnedIds(ids(3), 1).size).toBe(3);
  });

  it('returns nothing at 0 and picks the same transactions on every run, whatever their order', () => {
    expect(returnedIds(ids(40), 0).size).toBe(0);
    const once = returnedIds(ids(40), 0.2);
    const reversed = returnedIds(ids(40).reverse(), 0.2);
    expect([...reversed].sort()).toEqual([...once].sort());
    // not simply the first ones: chosen by hash
    expect([...once].sort()).not.toEqual(ids(40).slice(0, 8));
  });
});
