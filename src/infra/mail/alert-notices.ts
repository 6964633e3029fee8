/**
 * Breaker-open and key-expiry notices by email (and webhook), not only as Prometheus alerts: a bank network
 * often has no Alertmanager reaching anyone. Checked on a timer against what every instance reports (the
 * persisted breaker state, the key store); each notice has a dedupe key, so with several instances one email
 * goes out. A breaker is announced when it opens from closed (not again at every half-open probe that fails);
 * a key when it crosses `warnDays`, then 14, 7, 1 and 0 days.
 */
import { maskSensitiveText } from '../../domain/mask.ts';
import type { Notice } from './notifier.ts';

export interface BreakerView {
  bankCode: string;
  breaker: 'closed' | 'open' | 'half_open';
  /** When the open breaker half-opens; identifies this opening. */
  openUntil: Date | null;
  lastError: string | null;
}

export interface KeyView {
  bankCode: string;
  /** Key name or fingerprint, as in the metrics' `key` label. */
  key: string;
  /** null = never expires. */
  daysLeft: number | null;
}

export interface AlertNoticesDeps {
  notify: (notice: Notice) => Promise<void>;
  breakers: () => readonly BreakerView[];
  keys: () => Promise<readonly KeyView[]>;
  warnDays: number;
  onError: (error: unknown) => void;
}

const THRESHOLDS = [14, 7, 1, 0];

export function createAlertNotices(deps: AlertNoticesDeps) {
  const last = new Map<string, BreakerView['breaker']>();

  async function checkBreakers(): Promise<void> {
    for (const b of deps.breakers()) {
      const before = last.get(b.bankCode) ?? 'closed';
      last.set(b.bankCode, b.breaker);
      if (b.breaker !== 'open' || before !== 'closed') continue;
      const opening = b.openUntil ? b.openUntil.toISOString().slice(0, 16) : 'unknown';
      await deps.notify({
        kind: 'breaker_open',
        subject: `banking-sftp: bank ${b.bankCode} is down (circuit breaker open)`,
        text: [
          `The circuit breaker of bank ${b.bankCode} opened after repeated connection or transfer failures.`,
          `Last error: ${b.lastError ? maskSensitiveText(b.lastError) : 'none recorded'}.`,
          b.openUntil ? `Next probe (half-open) at ${b.openUntil.toISOString()}.` : '',
          'Uploads wait in the retry queue. Runbook: docs/runbooks.md#bankdown.',
        ]
          .filter(Boolean)
          .join('\n'),
        dedupeKey: `breaker-open:${b.bankCode}:${opening}`,
      });
    }
  }

  async function checkKeys(): Promise<void> {
    const steps = [deps.warnDays, ...THRESHOLDS.filter((t) => t < deps.warnDays)];
    for (const k of await deps.keys()) {
      if (k.daysLeft === null || k.daysLeft > deps.warnDays) continue;
      // the smallest threshold the key has reached: 30 -> 14 -> 7 -> 1 -> 0, one notice each
      const step = Math.min(...steps.filter((t) => k.daysLeft! <= t));
      await deps.notify({
        kind: 'key_expiry',
        subject:
          k.daysLeft < 0
            ? `banking-sftp: PGP key ${k.key} of bank ${k.bankCode} has expired`
            : `banking-sftp: PGP key ${k.key} of bank ${k.bankCode} expires in ${Math.floor(k.daysLeft)} days`,
        text: [
          `PGP key ${k.key} used with bank ${k.bankCode} ${k.daysLeft < 0 ? 'has expired' : `expires in ${Math.floor(k.daysLeft)} days`}.`,
          'With an expired key files cannot be encrypted, signed or verified. Runbook: docs/runbooks.md#pgpkeyexpiringsoon.',
        ].join('\n'),
        dedupeKey: `key-expiry:${k.bankCode}:${k.key}:${step}`,
      });
    }
  }

  return {
    checkBreakers,
    checkKeys,
    /** Breakers every `breakerEveryMs`, keys every `keyEveryMs`; the returned function stops both. */
    start(breakerEveryMs = 30_000, keyEveryMs = 3600_000): () => void {
      const run = (check: () => Promise<void>) => () => void check().catch(deps.onError);
      const a = setInterval(run(checkBreakers), breakerEveryMs);
      const b = setInterval(run(checkKeys), keyEveryMs);
      a.unref?.();
      b.unref?.();
      void checkKeys().catch(deps.onError);
      return () => {
        clearInterval(a);
        clearInterval(b);
      };
    },
  };
}
