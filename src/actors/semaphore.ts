/**
 * Counting semaphore shared by the bank actors: at most `max_concurrent_banks` banks work at once
 * (docs/operations.md). A waiter that is aborted (its actor stopped) leaves the line; `releaseAll` frees whatever an
 * actor held when it crashed.
 */
export class Semaphore {
  readonly #max: number;
  readonly #holders = new Map<string, number>();
  readonly #waiting: Array<{ owner: string; grant: () => void }> = [];

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`semaphore size must be >= 1, got ${max}`);
    this.#max = max;
  }

  get inUse(): number {
    let n = 0;
    for (const c of this.#holders.values()) n += c;
    return n;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  acquire(owner: string, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.inUse < this.#max) {
      this.#take(owner);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        owner,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.#take(owner);
          resolve();
        },
      };
      const onAbort = () => {
        const i = this.#waiting.indexOf(waiter);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  release(owner: string): void {
    const held = this.#holders.get(owner) ?? 0;
    if (held === 0) return;
    if (held === 1) this.#holders.delete(owner);
    else this.#holders.set(owner, held - 1);
    this.#grantNext();
  }

  releaseAll(owner: string): void {
    if (!this.#holders.delete(owner)) return;
    while (this.inUse < this.#max && this.#waiting.length > 0) this.#grantNext();
  }

  #take(owner: string): void {
    this.#holders.set(owner, (this.#holders.get(owner) ?? 0) + 1);
  }

  #grantNext(): void {
    if (this.inUse >= this.#max) return;
    this.#waiting.shift()?.grant();
  }
}
