import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../../test/support/db.ts';
import { balanceLeases, listLeases, releaseLeases } from './bank-leases.ts';

let handle: TestDatabase;
beforeAll(async () => {
  handle = await openTestDatabase();
});
afterAll(async () => handle?.close());

const BANKS = ['ctbc', 'esun', 'first', 'mega', 'taishin'];
const TTL = 30_000;
const at = (seconds: number) => new Date(Date.UTC(2026, 10, 25, 22, 0, seconds));
const round = (instanceId: string, seconds: number) =>
  balanceLeases(handle.db, { instanceId, bankCodes: BANKS, now: at(seconds), ttlMs: TTL });

async function owners(): Promise<Record<string, string>> {
  return Object.fromEntries((await listLeases(handle.db)).map((l) => [l.bank_code, l.instance_id]));
}

describe('bank leases', () => {
  it('spread the banks over the live instances, each bank held by exactly one, and a dead one is taken over after its TTL', async () => {
    // a alone takes everything
    expect((await round('a', 0)).held).toEqual(BANKS);
    // b and c come up: nothing is free yet, but they count as live
    expect((await round('b', 1)).held).toEqual([]);
    expect((await round('c', 2)).held).toEqual([]);
    // a's next round gives back what exceeds 5/3 -> 2
    const a = await round('a', 10);
    expect(a.held).toEqual(['ctbc', 'esun']);
    expect(a.released).toEqual(['first', 'mega', 'taishin']);
    await round('b', 11);
    await round('c', 12);
    const spread = await owners();
    expect(Object.values(spread).sort()).toEqual(['a', 'a', 'b', 'b', 'c']);

    // c dies (no more rounds); until its lease expires nobody else takes its bank
    const cBank = Object.entries(spread).find(([, owner]) => owner === 'c')![0];
    for (let s = 20; s <= 40; s += 10) {
      await round('a', s);
      await round('b', s + 1);
    }
    expect((await owners())[cBank]).toBe('c');
    // c's lease ran out at 12 + 30 = 42 s; the next round of a survivor takes it (fair share is now 3)
    await round('a', 50);
    await round('b', 51);
    const after = await owners();
    expect(after[cBank]).not.toBe('c');
    expect(Object.values(after).filter((o) => o === 'c')).toEqual([]);
    expect(new Set(Object.values(after))).toEqual(new Set(['a', 'b']));
    // long gone, c leaves the list of instances
    await round('a', 12 + 10 * 30 + 1);
    const instances = await handle.db.selectFrom('service_instances').select('instance_id').execute();
    expect(instances.map((i) => i.instance_id).sort()).toEqual(['a', 'b']);
  });

  it('give every lease back on a clean stop, for the others to take at once', async () => {
    await releaseLeases(handle.db, 'a');
    const next = await round('b', 60);
    expect(next.held).toEqual(BANKS);
    expect(next.liveInstances).toBe(1);
  });
});
