import { describe, expect, it } from 'vitest';
import { Semaphore } from './semaphore.ts';

describe('semaphore shared by the bank actors', () => {
  it('grants in order up to its size, frees a crashed holder, and drops an aborted waiter', async () => {
    const s = new Semaphore(2);
    await s.acquire('mega');
    await s.acquire('ctbc');
    const order: string[] = [];
    const esun = s.acquire('esun').then(() => order.push('esun'));
    const abort = new AbortController();
    const first = s.acquire('first', abort.signal).catch(() => order.push('first aborted'));
    const taishin = s.acquire('taishin').then(() => order.push('taishin'));
    expect([s.inUse, s.waiting]).toEqual([2, 3]);
    abort.abort(new Error('actor stopped'));
    await first;
    s.release('mega');
    await esun;
    s.releaseAll('ctbc');
    await taishin;
    expect(order).toEqual(['first aborted', 'esun', 'taishin']);
    expect([s.inUse, s.waiting]).toEqual([2, 0]);
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});
