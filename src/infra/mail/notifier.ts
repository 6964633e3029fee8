/**
 * Outgoing notices (confirmations, exceptions, the daily report). Every message is first written to the
 * `outbox_messages` table, so nothing is lost when the mail server is down; then sent by SMTP (nodemailer) when
 * one is configured, or only logged when not. A webhook, when configured, gets the same notice as JSON.
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
}

export interface NotifierDeps {
  db: Kysely<Database>;
  mail: Config['mail'];
  logger: Logger;
  getSecret?: (name: string) => Promise<string>;
  fetch?: typeof fetch;
}

export interface Notifier {
  notify(notice: Notice): Promise<void>;
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

  /** One delivery attempt of an outbox row; a failure keeps the row, as failed: visible and resendable. */
  async function attempt(rowId: number, kind: string, channel: string, send: () => Promise<void>) {
    try {
      await send();
      await deps.db
        .updateTable('outbox_messages')
        .set({ status: 'sent', sent_at: new Date(), attempts: 1 })
        .where('id', '=', rowId)
        .execute();
    } catch (error) {
      await deps.db
        .updateTable('outbox_messages')
        .set({ status: 'failed', attempts: 1, error: (error as Error).message })
        .where('id', '=', rowId)
        .execute();
      deps.logger.error({ err: error, outbox_id: rowId, kind }, `${channel} not delivered; kept in the outbox`);
    }
  }

  async function sendEmail(notice: Notice) {
    const recipients = deps.mail.to;
    const row = await deps.db
      .insertInto('outbox_messages')
      .values({
        channel: 'email',
        recipients: JSON.stringify(recipients),
        subject: notice.subject,
        text_body: notice.text,
        html_body: notice.html ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const mailer = await transport();
    if (!mailer || recipients.length === 0) {
      await deps.db.updateTable('outbox_messages').set({ status: 'logged' }).where('id', '=', row.id).execute();
      deps.logger.info(
        { kind: notice.kind, subject: notice.subject, outbox_id: row.id },
        'notice (no SMTP configured)',
      );
      return;
    }
    await attempt(row.id, notice.kind, 'email', () =>
      mailer
        .sendMail({
          from: deps.mail.from,
          to: recipients,
          subject: notice.subject,
          text: notice.text,
          ...(notice.html ? { html: notice.html } : {}),
        })
        .then(() => {}),
    );
  }

  async function sendWebhook(notice: Notice) {
    const url = deps.mail.webhook_url;
    if (!url) return;
    const row = await deps.db
      .insertInto('outbox_messages')
      .values({
        channel: 'webhook',
        recipients: JSON.stringify([url]),
        subject: notice.subject,
        text_body: notice.text,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await attempt(row.id, notice.kind, 'webhook', async () => {
      const response = await (deps.fetch ?? fetch)(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: notice.kind, subject: notice.subject, text: notice.text }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new Error(`webhook answered ${response.status}`);
    });
  }

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
    close() {
      transporter?.close();
    },
  };
}
