/**
 * Fan-out of live changes to the monitor's Server-Sent Events subscribers. One poll loop per app, running only
 * while someone listens: it compares the database (batch state history, exceptions, retry queue) and the actors'
 * bank snapshot with what it saw last and hands every subscriber what changed. Polling the database rather than
 * listening in-process means a change made by another instance reaches this instance's subscribers too.
 */

import {
  batchChangesAfter,
  type ChangeMarks,
  currentMarks,
  exceptionsAfter,
} from '../../infra/db/repositories/monitor-events.ts';
import type { MonitorContext } from '../router.ts';
import { taipeiIso } from '../schemas.ts';

export interface LiveEvent {
  event: 'batch' | 'exception' | 'retry-queue' | 'bank';
  data: Record<string, unknown>;
}

type Listener = (events: LiveEvent[]) => void;

export class EventHub {
  private readonly listeners = new Set<Listener>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private marks: ChangeMarks | undefined;
  private banks = new Map<string, string>();
  private polling: Promise<void> | undefined;

  constructor(
    private readonly ctx: MonitorContext,
    private readonly pollMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  get subscribers(): number {
    return this.listeners.size;
  }

  /** Starts the poll loop with the first subscriber; the returned function unsubscribes (and stops it last). */
  async subscribe(listener: Listener): Promise<() => void> {
    this.listeners.add(listener);
    if (!this.timer) {
      this.marks = await currentMarks(this.ctx.db);
      this.banks = this.bankStates();
      this.timer = setInterval(() => {
        this.polling ??= this.poll().finally(() => {
          this.polling = undefined;
        });
      }, this.pollMs);
      this.timer.unref?.();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
        this.marks = undefined;
      }
    };
  }

  private bankStates(): Map<string, string> {
    const states = new Map<string, string>();
    for (const b of this.ctx.ports.snapshot().banks) {
      states.set(b.bankCode, JSON.stringify([b.breaker, b.health, b.queueSize, b.manualIntervention?.reason ?? null]));
    }
    return states;
  }

  private async poll(): Promise<void> {
    const marks = this.marks;
    if (!marks) return;
    try {
      const events: LiveEvent[] = [];
      const [batches, exceptions, now] = await Promise.all([
        batchChangesAfter(this.ctx.db, marks.batchHistoryId),
        exceptionsAfter(this.ctx.db, marks.exceptionId),
        currentMarks(this.ctx.db),
      ]);
      for (const b of batches) {
        marks.batchHistoryId = Math.max(marks.batchHistoryId, b.id);
        events.push({
          event: 'batch',
          data: {
            batch_id: b.batch_id,
            batch_number: b.batch_number,
            bank_code: b.bank_code,
            from_state: b.from_state,
            to_state: b.to_state,
            actor: b.actor,
            at: taipeiIso(b.at),
          },
        });
      }
      for (const e of exceptions) {
        marks.exceptionId = Math.max(marks.exceptionId, e.id);
        events.push({ event: 'exception', data: { id: e.id, bank_code: e.bank_code, kind: e.kind, ref: e.ref } });
      }
      if (now.retryUpdatedAt !== marks.retryUpdatedAt) {
        marks.retryUpdatedAt = now.retryUpdatedAt;
        events.push({ event: 'retry-queue', data: { updated_at: taipeiIso(new Date(now.retryUpdatedAt)) } });
      }
      const banks = this.bankStates();
      for (const [code, state] of banks) {
        if (this.banks.get(code) !== state) {
          const [breaker, health, queueSize] = JSON.parse(state) as [string, string, number];
          events.push({ event: 'bank', data: { bank_code: code, breaker, health, queue_size: queueSize } });
        }
      }
      this.banks = banks;
      if (events.length > 0) for (const listener of this.listeners) listener(events);
    } catch (error) {
      this.onError(error);
    }
  }
}
