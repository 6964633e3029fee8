/**
 * The persisted state of a bank actor (table bank_state): breaker state, reason and the instant an open breaker
 * turns half-open, connection health, manual intervention. Written on every transition, read on start so an
 * open breaker stays open across a restart with its remaining time.
 */
import { type Kysely, sql } from 'kysely';
import type { BankState, BreakerState, Database, Health } from '../schema.ts';

type Db = Kysely<Database>;

export interface BankStateWrite {
  bankCode: string;
  breakerState: BreakerState;
  breakerReason: string | null;
  consecutiveFailures: number;
  openUntil: Date | null;
  health: Health;
  manualIntervention: boolean;
  manualReason: string | null;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  lastError: string | null;
}

export async function saveBankState(db: Db, state: BankStateWrite): Promise<void> {
  const values = {
    breaker_state: state.breakerState,
    breaker_reason: state.breakerReason,
    consecutive_failures: state.consecutiveFailures,
    open_until: state.openUntil,
    health: state.health,
    manual_intervention: state.manualIntervention,
    manual_reason: state.manualReason,
    last_success_at: state.lastSuccessAt,
    last_failure_at: state.lastFailureAt,
    last_error: state.lastError,
    updated_at: sql<Date>`now()`,
  };
  await db
    .insertInto('bank_state')
    .values({ bank_code: state.bankCode, ...values })
    .onConflict((oc) => oc.column('bank_code').doUpdateSet(values))
    .execute();
}

export async function loadBankState(db: Db, bankCode: string): Promise<BankState | undefined> {
  return db.selectFrom('bank_state').selectAll().where('bank_code', '=', bankCode).executeTakeFirst();
}

export async function loadBankStates(db: Db): Promise<BankState[]> {
  return db.selectFrom('bank_state').selectAll().orderBy('bank_code').execute();
}

export function toBankStateWrite(row: BankState): BankStateWrite {
  return {
    bankCode: row.bank_code,
    breakerState: row.breaker_state,
    breakerReason: row.breaker_reason,
    consecutiveFailures: row.consecutive_failures,
    openUntil: row.open_until,
    health: row.health,
    manualIntervention: row.manual_intervention,
    manualReason: row.manual_reason,
    lastSuccessAt: row.last_success_at,
    lastFailureAt: row.last_failure_at,
    lastError: row.last_error,
  };
}
