/**
 * The transaction ids of one batch, for the duplicate check: an open-addressing table of indexes into the ids,
 * sized once for the batch, keyed by a hash the caller computed in its own pass over the id (printableAsciiHash).
 * A Set<string> costs about as much again per id: V8 hashes each new string itself, and the Set rehashes as it
 * grows from empty to 5,000 entries.
 */
export class TransactionIdSet {
  private readonly slots: Int32Array;
  private readonly mask: number;
  private readonly ids: string[] = [];

  constructor(expected: number) {
    let size = 16;
    while (size < expected * 2) size *= 2; // at most half full: probe runs stay short
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
  }

  /** Adds `id` (with `hash`, any int32 the same for equal ids); false when it is already in the set. */
  add(id: string, hash: number): boolean {
    const { slots, mask, ids } = this;
    // the probe below ends at an empty slot: one must always be left
    if (ids.length >= mask) throw new RangeError(`more than ${mask} transaction ids for a table of ${mask + 1}`);
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const k = slots[i]!;
      if (k < 0) {
        slots[i] = ids.length;
        ids.push(id);
        return true;
      }
      if (ids[k] === id) return false;
    }
  }
}
