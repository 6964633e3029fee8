/**
 * Outgoing notices (confirmations, exceptions, the daily report, breaker open, key expiry). Every message is
 * first written to the `outbox_messages` table, so nothing is lost when the mail server is down; then sent by
 * SMTP (nodemailer) when one is configured, or only logged when not. A webhook, when configured, gets the same
 * notice as JSON. A failed delivery stays `failed` with `next_attempt_at` and is retried with backoff (1, 2, 4 …
 * minutes, at most an hour) up to `mail.retry_max_attempts`; `GET /api/v1/banking-monitor/notifications` and
 * `banking_notification_failures_total` show them. A notice with a `dedupeKey` is written once, whichever
 * instance gets there first.
 */
import type { Kysely } from 'kysely';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import { maskSensitiveText } from '../../domain/mask.ts';
import type { Config } from '../config/schema.ts';
import type { Database } from '../db/schema.ts';

export interface Notice {
  kind: string;
  subject: string;
  text: string;
  html?: string;
  /** Same key = same notice: only the first writer (of all instances) sends it. */
  dedupeKey?: string;
}

type MailConfig = Omit<Config['mail'], 'retry_max_attempts' | 'key_expiry_warn_days'> &
  Partial<Pick<Config['mail'], 'retry_max_attempts' | 'key_expiry_warn_days'>>;

const MAX_BACKOFF_MS = 3600_000;

/** Wait before the next attempt after `attempts` failed ones: 1, 2, 4 … minutes, at most an hour. */
export function notificationBackoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, 60_000 * 2 ** Math.max(0, attempts - 1));
}

export interface NotifierDeps {
  db: Kysely<Database>;
  mail: MailConfig;
  logger: Logger;
  getSecret?: (name: string) => Promise<string>;
  fetch?: typeof fetch;
  now?: () => Date;
  /** How often failed deliveries that are due are retried (default 60 s; 0 = only by `retryDue()`). */
  retryEveryMs?: number;
  /** Told of every failed delivery attempt (the failure metric). */
  onDeliveryFailure?: (channel: 'email' | 'webhook') => void;
}

export interface Notifier {
  notify(notice: Notice): Promise<void>;
  /** Re-sends failed deliveries whose next attempt is due; resolves with how many were tried. */
  retryDue(): Promise<number>;
  close(): void;
}

export function createNotifier(deps: NotifierDeps): Notifier {
  let transporter: Transporter | undefined;
  const smtp = deps.mail.smtp;

  async function transport(): Promise<Transporter | undefined> {
    if (!smtp) return undefined;
    if (!transporter) {
      const password = smtp.password_secret && deps.getSecret ? await deps.getSecret(smtp.password_secret) : undefined;
      transporter = nodemailer.createTransport({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure,
        ...(smtp.user ? { auth: { user: smtp.user, pass: password ?? '' } } : {}),
        // a local relay without TLS is normal inside a bank network; TLS is used when offered
        tls: { rejectUnauthorized: false },
        connectionTimeout: 10_000,
        socketTimeout: 30_000,
      });
    }
    return transporter;
  }

  const now = deps.now ?? (() => new Date());
  const maxAttempts = deps.mail.retry_max_attempts ?? 10;

  /**
   * One delivery attempt of an outbox row. A failure keeps the row as failed, visible, with the time of the next
   * attempt (none after the last one: it stays failed for an operator to see).
   */
  async function attempt(rowId: number, kind: string, channel: 'email' | 'webhook', send: () => Promise<void>) {
    const row = await deps.db
      .selectFrom('outbox_messages')
      .select('attempts')
      .where('id', '=', rowId)
      .executeTakeFirstOrThrow();
    const attempts = row.attempts + 1;
    try {
      await send();
      await deps.db
        .updateTable('outbox_messages')
        .set({ status: 'sent', sent_at: now(), attempts, next_attempt_at: null, error: null })
        .where('id', '=', rowId)
        .execute();
    } catch (error) {
      const next = attempts < maxAttempts ? new Date(now().getTime() + notificationBackoffMs(attempts)) : null;
      await deps.db
        .updateTable('outbox_messages')
        .set({ status: 'failed', attempts, error: (error as Error).message, next_attempt_at: next })
        .where('id', '=', rowId)
        .execute();
      deps.onDeliveryFailure?.(channel);
      deps.logger.error(
        { err: error, outbox_id: rowId, kind, attempts, next_attempt_at: next?.toISOString() ?? null },
        next
          ? `${channel} not delivered; retried later`
          : `${channel} not delivered; gave up after ${attempts} attempts`,
      );
    }
  }

  /** Inserts the outbox row; undefined when a notice with the same dedupe key exists already. */
  async function insertRow(values: {
    channel: 'email' | 'webhook';
    recipients: string[];
    subject: string;
    text_body: string;
    html_body?: string | null;
    dedupe_key?: string | undefined;
  }): Promise<number | undefined> {
    const row = await deps.db
      .insertInto('outbox_messages')
      .values({
        channel: values.channel,
        recipients: JSON.stringify(values.recipients),
        subject: values.subject,
        text_body: values.text_body,
        html_body: values.html_body ?? null,
        dedupe_key: values.dedupe_key ?? null,
      })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    return row?.id;
  }

  const deliverEmail = (mailer: Transporter, to: string[], subject: string, text: string, html: string | null) =>
    mailer.sendMail({ from: deps.mail.from, to, subject, text, ...(html ? { html } : {}) }).then(() => {});

  const deliverWebhook = async (url: string, body: Record<string, unknown>) => {
    const response = await (deps.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`webhook answered ${response.status}`);
  };

  async function sendEmail(notice: Notice) {
    const recipients = deps.mail.to;
    const id = await insertRow({
      channel: 'email',
      recipients,
      subject: notice.subject,
      text_body: notice.text,
      html_body: notice.html ?? null,
      dedupe_key: notice.dedupeKey ? `email:${notice.dedupeKey}` : undefined,
    });
    if (id === undefined) return;
    const mailer = await transport();
    if (!mailer || recipients.length === 0) {
      await deps.db.updateTable('outbox_messages').set({ status: 'logged' }).where('id', '=', id).execute();
      deps.logger.info({ kind: notice.kind, subject: notice.subject, outbox_id: id }, 'notice (no SMTP configured)');
      return;
    }
    await attempt(id, notice.kind, 'email', () =>
      deliverEmail(mailer, recipients, notice.subject, notice.text, notice.html ?? null),
    );
  }

  async function sendWebhook(notice: Notice) {
    const url = deps.mail.webhook_url;
    if (!url) return;
    const id = await insertRow({
      channel: 'webhook',
      recipients: [url],
      subject: notice.subject,
      text_body: notice.text,
      dedupe_key: notice.dedupeKey ? `webhook:${notice.dedupeKey}` : undefined,
    });
    if (id === undefined) return;
    await attempt(id, notice.kind, 'webhook', () =>
      deliverWebhook(url, { kind: notice.kind, subject: notice.subject, text: notice.text }),
    );
  }

  async function retryDue(): Promise<number> {
    const due = await deps.db
      .selectFrom('outbox_messages')
      .select(['id', 'channel', 'recipients', 'subject', 'text_body', 'html_body'])
      .where('status', '=', 'failed')
      .where('next_attempt_at', '<=', now())
      .orderBy('id')
      .limit(50)
      .execute();
    for (const row of due) {
      // claim it, so a second instance retrying at the same moment does not send it twice
      const claimed = await deps.db
        .updateTable('outbox_messages')
        .set({ next_attempt_at: null })
        .where('id', '=', row.id)
        .where('status', '=', 'failed')
        .where('next_attempt_at', '<=', now())
        .executeTakeFirst();
      if (claimed.numUpdatedRows === 0n) continue;
      const recipients = row.recipients as unknown as string[];
      if (row.channel === 'email') {
        const mailer = await transport();
        if (!mailer) continue;
        await attempt(row.id, 'retry', 'email', () =>
          deliverEmail(mailer, recipients, row.subject, row.text_body, row.html_body),
        );
      } else if (recipients[0]) {
        const url = recipients[0];
        await attempt(row.id, 'retry', 'webhook', () =>
          deliverWebhook(url, { kind: 'retry', subject: row.subject, text: row.text_body }),
        );
      }
    }
    return due.length;
  }

  const retryEveryMs = deps.retryEveryMs ?? 60_000;
  // one retry pass at a time: a slow mail server must not stack passes that resend the same rows
  let retrying = false;
  const timer =
    retryEveryMs > 0
      ? setInterval(() => {
          if (retrying) return;
          retrying = true;
          retryDue()
            .catch((error) => deps.logger.error({ err: error }, 'retrying failed notices failed'))
            .finally(() => {
              retrying = false;
            });
        }, retryEveryMs)
      : undefined;
  timer?.unref?.();

  return {
    async notify(given) {
      // no account or ID number leaves in a mail or webhook; batch numbers and file names stay whole
      const notice: Notice = {
        ...given,
        subject: maskSensitiveText(given.subject),
        text: maskSensitiveText(given.text),
        ...(given.html !== undefined ? { html: maskSensitiveText(given.html) } : {}),
      };
      await sendEmail(notice);
      await sendWebhook(notice);
    },
    retryDue,
    close() {
      if (timer) clearInterval(timer);
      transporter?.close();
    },
  };
}
