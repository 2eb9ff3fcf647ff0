/**
 * The e-mail channel as activities see it. One implementation per provider: channels/smtp.ts
 * (nodemailer over SMTP), channels/sandbox-email.ts (in-process recorder for the embedded default).
 *
 * Contract (as for SMS, channels/sms.ts): accepted -> `{ ok: true, messageId }`; refused for
 * good (5xx for the recipient or the message) -> `{ ok: false, permanent: true, code }`;
 * transient (4xx, connection, timeout) thrown as TransientChannelError; wrong credentials or a
 * refused sender thrown as ChannelConfigError.
 */

export interface UnsubscribeTarget {
  /** One-click link (RFC 8058: the mailbox provider POSTs `List-Unsubscribe=One-Click` to it). Use https in production. */
  url: string;
  /** Fallback for clients without one-click: mailto:unsubscribe@example.com?subject=... */
  mailto?: string;
}

export interface OutboundEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Marketing mail must carry one (core rules); null only for transactional mail. */
  unsubscribe: UnsubscribeTarget | null;
  /** The send ledger row written before this call; also makes the Message-ID stable across retries. */
  ledgerId: string;
}

export type EmailSendResult =
  | { ok: true; messageId: string; response: string }
  /** `code`: the SMTP reply code (550, 552, 553...), or 0 when the address was refused before any server saw it. */
  | { ok: false; permanent: true; code: number; message: string };

export interface EmailSender {
  /** The longest a `send` call waits on the server before it gives up (see SmsSender.callTimeoutMs). */
  readonly callTimeoutMs: number;
  send(email: OutboundEmail): Promise<EmailSendResult>;
}

/**
 * The RFC 2369 + RFC 8058 headers: `List-Unsubscribe: <https://...>, <mailto:...>` and
 * `List-Unsubscribe-Post: List-Unsubscribe=One-Click`. Both must be covered by the DKIM
 * signature (the relay's or nodemailer's `dkim` option) for mailbox providers to honour them.
 */
export function unsubscribeHeaders(target: UnsubscribeTarget): Record<string, string> {
  const url = new URL(target.url);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('unsubscribe url must be http(s)');
  const mailto = target.mailto === undefined ? undefined : new URL(target.mailto);
  if (mailto && mailto.protocol !== 'mailto:') throw new Error('unsubscribe mailto must start with mailto:');
  const values = [`<${url.toString()}>`, ...(mailto ? [`<${mailto.toString()}>`] : [])];
  return { 'List-Unsubscribe': values.join(', '), 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

/** A stable Message-ID for a ledger row: retries of one send carry the same id. */
export function messageIdFor(ledgerId: string, fromAddress: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(fromAddress)?.[1] ?? 'reachloop.invalid';
  const left = /^[A-Za-z0-9-]{1,64}$/.test(ledgerId) ? ledgerId : Buffer.from(ledgerId, 'utf8').toString('hex').slice(0, 64);
  return `<rl-${left}@${domain}>`;
}

/** The ledger id inside a Message-ID made by messageIdFor (`<rl-123@domain>`), or null for any other. */
export function ledgerIdOfMessageId(messageId: string): string | null {
  const m = /^\s*<?rl-([1-9]\d{0,17})@[^<>\s@]+>?\s*$/.exec(messageId);
  return m ? m[1]! : null;
}
