import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { offThreadSha256 } from './sha256-offload.ts';

describe('SHA-256 in a worker', () => {
  it('hashes chunks of the shared slab in the order given, whatever their place in the slab', async () => {
    const chunk = 1000;
    const slab = new SharedArrayBuffer(8 * chunk);
    const hasher = await offThreadSha256(slab);
    expect(hasher).toBeDefined();
    const expected = createHash('sha256');
    for (let round = 0; round < 3; round++) {
      // eight chunks in a shuffled order of slots, sent without waiting; the slots are rewritten only once hashed
      const sent = [3, 0, 7, 1, 6, 2, 5, 4].map((slot, i) => {
        const view = Buffer.from(slab, slot * chunk, chunk - ((round + i) % 3));
        randomBytes(view.length).copy(view);
        expected.update(view);
        return hasher!.update(view);
      });
      hasher!.flush();
      await Promise.all(sent);
    }
    expect(await hasher!.digest()).toBe(expected.digest('hex'));
  });

  it('rejects what is pending once abandoned, and refuses a buffer outside the slab', async () => {
    const slab = new SharedArrayBuffer(64);
    const hasher = await offThreadSha256(slab);
    expect(() => hasher!.update(Buffer.alloc(8))).toThrow(/shared slab/);
    const pending = hasher!.update(Buffer.from(slab, 0, 8));
    hasher!.abandon();
    await expect(pending).rejects.toThrow(/abandoned/);
  });
});
