/**
 * What the metrics gauges show, read fresh at each scrape: the actors' view (breaker, failures, queue), the
 * pools, and ledger ages from the database (oldest queued retry, oldest batch not yet at its bank, oldest file
 * received but not applied), the slack to today's cutoff while a batch still waits for it, and PGP key expiry
 * (read from the key store at most every ten minutes: it is a slow, audited secret access).
 */
import type { Kysely } from 'kysely';
import { taipeiDate } from '../domain/taipei-time.ts';
import type { BankConfig } from '../infra/config/schema.ts';
import type { Database } from '../infra/db/schema.ts';
import type { PgpBankCrypto } from '../infra/pgp/index.ts';
import type { BankMetricsSnapshot, MetricsSnapshot } from '../infra/telemetry/metrics.ts';
import type { Operations } from './operations.ts';
import { cutoffInstant } from './payment-run/deliver-batch.ts';

const KEY_REFRESH_MS = 10 * 60_000;

function ageSeconds(now: Date, since: Date | null | undefined): number {
  return since ? Math.max(0, (now.getTime() - since.getTime()) / 1000) : 0;
}

export function createMetricsSource(deps: {
  db: Kysely<Database>;
  ops: Operations;
  banks: BankConfig[];
  crypto: PgpBankCrypto;
  now: () => Date;
  lastPoll: (bankCode: string) => Date | null;
}) {
  const keyDays = new Map<string, Array<{ key: string; days: number }>>();
  let keysReadAt = 0;

  async function refreshKeys() {
    if (Date.now() - keysReadAt < KEY_REFRESH_MS) return;
    keysReadAt = Date.now();
    for (const bank of deps.banks) {
      const status = await deps.crypto.keyStatus(bank).catch(() => []);
      keyDays.set(
        bank.bank_code,
        status
          // a key that never expires still has a series (+Inf), so "every key has an expiry" is checkable
          .filter((k) => !k.missing)
          .map((k) => ({
            key: `${k.owner}:${k.fingerprint.slice(-16)}`,
            days: k.daysLeft ?? Number.POSITIVE_INFINITY,
          })),
      );
    }
  }

  return async (): Promise<MetricsSnapshot> => {
    const now = deps.now();
    const today = taipeiDate(now);
    await refreshKeys();
    const view = await deps.ops.refreshInspection();
    const oldestRetry = await deps.db
      .selectFrom('retry_queue')
      .select(['bank_code', (eb) => eb.fn.min('created_at').as('oldest')])
      .where('status', 'in', ['pending', 'in_progress'])
      .groupBy('bank_code')
      .execute();
    const oldestBatch = await deps.db
      .selectFrom('payment_batches')
      .select(['bank_code', (eb) => eb.fn.min('created_at').as('oldest'), (eb) => eb.fn.min('value_date').as('day')])
      .where('state', 'in', ['generated', 'encrypted', 'uploading'])
      .groupBy('bank_code')
      .execute();
    const oldestFile = await deps.db
      .selectFrom('reconciliation_files')
      .select(['bank_code', (eb) => eb.fn.min('received_at').as('oldest')])
      .where('status', '=', 'received')
      .groupBy('bank_code')
      .execute();
    const banks: BankMetricsSnapshot[] = deps.banks.map((bank) => {
      const b = view.banks.find((x) => x.bankCode === bank.bank_code);
      const pool = deps.ops.transport.sftpFor(bank).stats();
      const waitingBatch = oldestBatch.find((r) => r.bank_code === bank.bank_code);
      const lastPoll = deps.lastPoll(bank.bank_code);
      return {
        bank: bank.bank_code,
        consecutiveFailures: b?.consecutiveFailures ?? 0,
        pool: { active: pool.active, idle: pool.idle, waiting: pool.waiting },
        retryQueueSize: b?.queueSize ?? 0,
        retryQueueOldestAgeSeconds: ageSeconds(
          now,
          oldestRetry.find((r) => r.bank_code === bank.bank_code)?.oldest as Date | undefined,
        ),
        breaker: b?.breaker ?? 'closed',
        pendingProcessingAgeSeconds: {
          batch: ageSeconds(now, waitingBatch?.oldest as Date | undefined),
          file: ageSeconds(now, oldestFile.find((r) => r.bank_code === bank.bank_code)?.oldest as Date | undefined),
        },
        cutoffSlackSeconds:
          waitingBatch && String(waitingBatch.day) === today
            ? (cutoffInstant(bank, today).getTime() - now.getTime()) / 1000
            : null,
        pgpKeyExpiryDays: keyDays.get(bank.bank_code) ?? [],
        lastSuccessfulPollTimestampSeconds: lastPoll ? Math.floor(lastPoll.getTime() / 1000) : null,
      };
    });
    return { banks, businessDay: deps.ops.calendar().isBusinessDay(today) };
  };
}
