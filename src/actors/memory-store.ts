/**
 * In-memory BankStore for tests and single-process tools: the same contract as the database store
 * (db-store.ts), one open entry per (bank, kind, ref), claims take entries out of `pending`.
 */
import type { RetryClass } from '../domain/failure.ts';
import type { BankStore, PersistedBankState, QueuedWork, WorkKind } from './ports.ts';

export interface MemoryQueueEntry extends QueuedWork {
  bankCode: string;
  dueAt: Date;
  status: 'pending' | 'in_progress' | 'done' | 'manual_intervention' | 'cancelled';
  lastError: string | null;
  errorClass: RetryClass | null;
}

export class MemoryBankStore implements BankStore {
  readonly states = new Map<string, PersistedBankState>();
  readonly entries: MemoryQueueEntry[] = [];
  #id = 0;

  async saveState(state: PersistedBankState): Promise<void> {
    this.states.set(state.bankCode, { ...state });
  }

  async loadState(bankCode: string): Promise<PersistedBankState | null> {
    const s = this.states.get(bankCode);
    return s ? { ...s } : null;
  }

  open(bankCode?: string): MemoryQueueEntry[] {
    return this.entries.filter(
      (e) =>
        (bankCode === undefined || e.bankCode === bankCode) &&
        (e.status === 'pending' || e.status === 'in_progress' || e.status === 'manual_intervention'),
    );
  }

  async enqueue(entry: Parameters<BankStore['enqueue']>[0]): Promise<void> {
    const existing = this.open(entry.bankCode).find((e) => e.kind === entry.kind && e.ref === entry.ref);
    if (existing) {
      existing.attempts = Math.max(existing.attempts, entry.attempts);
      if (entry.dueAt < existing.dueAt) existing.dueAt = entry.dueAt;
      existing.lastError = entry.error ?? existing.lastError;
      if (entry.manual) existing.status = 'manual_intervention';
      return;
    }
    this.entries.push({
      id: ++this.#id,
      bankCode: entry.bankCode,
      kind: entry.kind as WorkKind,
      ref: entry.ref,
      payload: entry.payload,
      attempts: entry.attempts,
      dueAt: entry.dueAt,
      status: entry.manual ? 'manual_intervention' : 'pending',
      lastError: entry.error,
      errorClass: entry.errorClass,
    });
  }

  async claimDue(bankCode: string, now: Date): Promise<QueuedWork[]> {
    const due = this.entries.filter((e) => e.bankCode === bankCode && e.status === 'pending' && e.dueAt <= now);
    for (const e of due) e.status = 'in_progress';
    return due.map(({ id, kind, ref, payload, attempts }) => ({ id, kind, ref, payload, attempts }));
  }

  #update(id: number, patch: Partial<MemoryQueueEntry>): void {
    const e = this.entries.find((x) => x.id === id);
    if (e) Object.assign(e, patch);
  }

  async complete(id: number): Promise<void> {
    this.#update(id, { status: 'done' });
  }

  async reschedule(id: number, dueAt: Date, error: string, errorClass: RetryClass): Promise<void> {
    const e = this.entries.find((x) => x.id === id);
    this.#update(id, { status: 'pending', dueAt, lastError: error, errorClass, attempts: (e?.attempts ?? 0) + 1 });
  }

  async markManual(id: number, error: string, errorClass: RetryClass): Promise<void> {
    this.#update(id, { status: 'manual_intervention', lastError: error, errorClass });
  }

  async resolveManual(bankCode: string, retry: boolean, now: Date): Promise<void> {
    for (const e of this.open(bankCode)) {
      if (e.status === 'manual_intervention') Object.assign(e, { status: retry ? 'pending' : 'cancelled', dueAt: now });
    }
  }

  async queueStats(): Promise<Array<{ bankCode: string; size: number; nextDueAt: Date | null }>> {
    const banks = [...new Set(this.open().map((e) => e.bankCode))].sort();
    return banks.map((bankCode) => {
      const open = this.open(bankCode);
      const due = open.filter((e) => e.status === 'pending').map((e) => e.dueAt.getTime());
      return { bankCode, size: open.length, nextDueAt: due.length ? new Date(Math.min(...due)) : null };
    });
  }
}
