/**
 * The SMS channel as activities see it. One implementation per provider: channels/twilio.ts
 * (the real service, or the local Twilio-shaped server in sandbox/), channels/sandbox-sms.ts
 * (in-process recorder for the embedded default).
 *
 * Contract:
 * - `send` resolves `{ ok: true }` once the provider accepted the message, or
 *   `{ ok: false, permanent: true }` when the provider refused this message for good (invalid or
 *   unsubscribed number...): do not retry, record the code (core/delivery-outcome.ts maps it).
 * - Transient failures are thrown as TransientChannelError (Temporal retries); when
 *   `maybeAccepted` is set the provider may hold the message, so reconcile with `findSentSince`
 *   (or the status callback) before another attempt. Wrong credentials throw ChannelConfigError.
 * - The status callback URL carries the ledger id, so a callback reconciles an attempt whose
 *   API response was lost (BRIEF §6).
 * - `fetchMessage` reads one message's current status: the sweep of rows left in 'sent' (a lost
 *   status callback) applies it as a callback would.
 */
import type { MessageStatus } from '../core/delivery-outcome';

export interface OutboundSms {
  /** E.164. */
  to: string;
  /** Final text, footer included (core/sms.ts composeSms). */
  body: string;
  /** Base URL of the status webhook; the sender adds `ledgerId` to its query string. */
  statusCallbackUrl: string;
  /** Give up delivering after this long (Twilio ValidityPeriod, 1-36000 s). */
  validityPeriodSeconds?: number;
  /** The send ledger row written before this call. */
  ledgerId: string;
}

export type SmsSendResult =
  | { ok: true; providerId: string; status: MessageStatus }
  | { ok: false; permanent: true; code: number; message: string };

/** A message as the provider lists it, for reconciliation. */
export interface ProviderSms {
  providerId: string;
  to: string;
  from: string | null;
  body: string;
  status: MessageStatus | null;
  errorCode: number | null;
  createdAt: Date;
  sentAt: Date | null;
}

export interface SmsSender {
  /** The longest a `send` call takes before it gives up: send attempts hold a lease longer than this (activities/send-attempt.ts). */
  readonly callTimeoutMs: number;
  send(message: OutboundSms): Promise<SmsSendResult>;
  /** Outbound messages to `to` created at or after `since`, newest first. */
  findSentSince(to: string, since: Date): Promise<ProviderSms[]>;
  /**
   * The provider's record of one message (Twilio: GET /Messages/{Sid}.json), or null when it has
   * none: the sweep reconciles rows left in 'sent' from it. Errors are thrown as for `send`.
   */
  fetchMessage(providerId: string): Promise<ProviderSms | null>;
}

/** Query parameter that carries the ledger id in a status callback URL. */
export const LEDGER_QUERY_PARAM = 'ledgerId';

/** Plain callback bases (no query, no fragment; a process uses one or two), parsed once: a URL parse per message shows in profiles. */
const plainBases = new Map<string, string>();

/** The status callback URL for one attempt: `base` with `?ledgerId=...` added. */
export function statusCallbackUrlFor(base: string, ledgerId: string): string {
  const href = plainBases.get(base);
  if (href !== undefined) return `${href}?${new URLSearchParams([[LEDGER_QUERY_PARAM, ledgerId]])}`;
  const url = new URL(base);
  if (!url.href.includes('?') && !url.href.includes('#') && plainBases.size < 16) {
    plainBases.set(base, url.href);
    return statusCallbackUrlFor(base, ledgerId);
  }
  url.searchParams.set(LEDGER_QUERY_PARAM, ledgerId);
  return url.toString();
}

/** The ledger id of a status callback request URL (path + query, or absolute), or null. */
export function ledgerIdFromCallbackUrl(url: string): string | null {
  const id = new URL(url, 'http://callback.invalid').searchParams.get(LEDGER_QUERY_PARAM);
  return id === null || id === '' ? null : id;
}
