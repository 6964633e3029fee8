/**
 * Fire-and-forget writes from state-machine actions, kept in order: an action cannot await, but the breaker's
 * persisted state must never go backwards because two writes raced. A failed write is reported, not thrown into
 * the machine.
 */
export class WriteQueue {
  #tail: Promise<void> = Promise.resolve();
  constructor(private readonly onError: (error: unknown) => void = () => {}) {}

  push(write: () => Promise<unknown>): void {
    this.#tail = this.#tail.then(write).then(
      () => {},
      (error: unknown) => this.onError(error),
    );
  }

  /** Resolves once every write pushed so far has finished. */
  idle(): Promise<void> {
    return this.#tail;
  }
}
