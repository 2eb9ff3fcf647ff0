/**
 * EmailSender over SMTP with nodemailer: multipart/alternative (text + HTML), RFC 8058
 * one-click unsubscribe headers, a Message-ID derived from the ledger id (recorded by the
 * caller; stable across retries, so a resend after a lost reply is recognisable downstream).
 */
import nodemailer from 'nodemailer';
import { maskNamed } from '../core/mask';
import { ChannelConfigError, TransientChannelError } from './errors';
import { messageIdFor, unsubscribeHeaders, type EmailSendResult, type EmailSender, type OutboundEmail } from './email';

export interface SmtpSenderOptions {
  /** smtp://user:pass@host:587 or smtps://user:pass@host:465 (SMTP_URL). */
  url: string;
  /** From header, `address` or `"Name" <address>` (EMAIL_FROM). */
  from: string;
  /** Connection, greeting and idle timeouts. */
  timeoutMs?: number;
  /** Keep a pool of connections (bulk sending). */
  pool?: boolean;
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

/** Errors that prove the server never got the message. */
const NOT_SENT = new Set(['EDNS', 'ECONNREFUSED']);

/**
 * Servers name the recipient in their replies ("550 5.1.1 <x@y>: Recipient address rejected"):
 * every text is kept with `to` masked, as it goes to the ledger, the logs and activity failures.
 */
function classify(err: unknown, to: string): EmailSendResult {
  const e = (err ?? {}) as SmtpError;
  const rc = e.responseCode;
  const masked = (text: string) => maskNamed(text, { email: to });
  const reply = masked(e.response ?? e.message);
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH' || rc === 530 || rc === 534 || rc === 535) {
    throw new ChannelConfigError('email', `SMTP authentication failed: ${reply}`, rc);
  }
  if (rc !== undefined && rc >= 500) {
    // Our sender refused: every message would be. Otherwise the recipient or this message is.
    if (e.command === 'MAIL FROM') throw new ChannelConfigError('email', `SMTP sender refused: ${reply}`, rc);
    return { ok: false, permanent: true, code: rc, message: reply };
  }
  if (rc !== undefined && rc >= 400) {
    throw new TransientChannelError('email', `SMTP ${rc}: ${reply}`, { maybeAccepted: false, providerCode: rc, cause: err });
  }
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') {
    // Refused by nodemailer itself (address syntax, no recipient): the same input fails again.
    return { ok: false, permanent: true, code: 0, message: masked(e.message) };
  }
  const original = (err as { originalCode?: string }).originalCode;
  throw new TransientChannelError('email', `SMTP ${e.code ?? 'error'}: ${masked(e.message)}`, {
    maybeAccepted: !(NOT_SENT.has(e.code ?? '') || NOT_SENT.has(original ?? '')),
    cause: err,
  });
}

export function createSmtpSender(options: SmtpSenderOptions): EmailSender & { close(): void } {
  const timeout = options.timeoutMs ?? 30_000;
  const transport = nodemailer.createTransport({
    url: options.url,
    ...(options.pool ? { pool: true as const } : {}),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  return {
    callTimeoutMs: timeout,
    async send(m: OutboundEmail): Promise<EmailSendResult> {
      const messageId = messageIdFor(m.ledgerId, options.from);
      try {
        const info = await transport.sendMail({
          from: options.from,
          to: m.to,
          subject: m.subject,
          text: m.text,
          html: m.html,
          messageId,
          headers: m.unsubscribe ? unsubscribeHeaders(m.unsubscribe) : {},
        });
        return { ok: true, messageId: info.messageId || messageId, response: String(info.response ?? '') };
      } catch (err) {
        return classify(err, m.to);
      }
    },
    close: () => transport.close(),
  };
}
