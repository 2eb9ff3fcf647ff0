/**
 * What one final delivery outcome changes on the contact (brief §1 "Feedback loop"; issue 6 item 6).
 * Pure: no I/O, no clock (`at` is given).
 *
 * SMS (Twilio MessageStatus + ErrorCode, classified by core/delivery-outcome.ts):
 *   delivered / read            -> reachability up: the failure streak resets, the number is
 *                                  proven active (a silent number stays silent), back on SMS lists
 *   30003 / 30005 / 30006 / 21612 -> suspect: suspected disconnected, re-verify within hours
 *   two contact failures in a row (any of those, or an invalid number) -> dead: out of the SMS
 *                                  list (kept and marked), handed to the recovery funnel
 *   21211 / 21614 / 21635        -> invalid number: out of the SMS list, recovery funnel
 *   21610                        -> suppressed (opt-out at the provider); 30004 -> carrier block
 *   30007 and other sender-side codes -> content / sender issue, nothing held against the contact
 *   30008 and unknown codes      -> nothing held against the contact (we cannot tell whose fault)
 *
 * Where this disagrees with the per-code table: twilio_error_codes.json (product policy) gives
 * 30006 "Landline or unreachable carrier" the action invalid_number. Twilio's own text for 30006
 * names two causes, a landline OR an unreachable carrier, and only the first is permanent; the
 * issue asks for suspect + re-verify, and the recheck's line lookup tells the two apart. So a
 * single 30006 makes the number suspect here; it still counts towards the failure streak.
 *
 * E-mail (SMTP reply code of a permanent refusal): 550/551/553 and 0 (address refused before
 * any server saw it) are hard bounces -> suppress e-mail; 552 and other 5xx are soft: the
 * SOFT_BOUNCES_TO_SUPPRESS-th suppresses e-mail. Complaints (ARF reports, spam reports, 30004) are
 * recorded by services/complaints.ts under the contact policy's complaint rules.
 */
import { classifyDeliveryOutcome, ERROR_CODES, type DeliveryOutcome, type MessageStatus } from './delivery-outcome';
import type { NumberStatus } from './number-status';
import type { ValidityStatus } from './score-policy';

/** Contact-fault SMS failures in a row after which a number counts as dead. */
export const DEAD_AFTER_CONSECUTIVE_FAILURES = 2;
/** Soft e-mail bounces after which e-mail is suppressed. */
export const SOFT_BOUNCES_TO_SUPPRESS = 3;

/** Codes whose single occurrence makes the number suspect (re-verify), and the status it gets. */
const SUSPECT_STATUS: ReadonlyMap<number, NumberStatus> = new Map([
  [30003, 'switched_off'], // unreachable handset: off or out of coverage -> recheck in hours
  [30005, 'out_of_service'], // unknown handset: the number may no longer exist
  [30006, 'out_of_service'], // landline or unreachable carrier (see above)
  [21612, 'out_of_service'], // not currently reachable via SMS
]);

export type OutcomeVerdict =
  | 'reachable'
  | 'suspect'
  | 'dead'
  | 'invalid_number'
  | 'suppressed'
  | 'content_issue'
  | 'sender_issue'
  | 'not_counted'
  | 'email_hard_bounce'
  | 'email_soft_bounce';

/** The contact as the decision sees it. `activity` is contacts.activity (core/activity.ts). */
export interface FeedbackContact {
  activity: Readonly<Record<string, unknown>>;
  numberStatus: NumberStatus;
}

export interface OutcomeFeedback {
  verdict: OutcomeVerdict;
  /** tier_history cause: `outcome:delivered`, `outcome:30003`, `outcome:email_550`... */
  cause: string;
  /** The new activity jsonb (other keys kept). */
  activity: Record<string, unknown>;
  /** New number status (validity, SMS eligibility and recheck follow core/number-status.ts). */
  numberStatus?: NumberStatus;
  /** Overrides the status-derived flags: a dead number is out of the SMS list whatever its status. */
  validity?: ValidityStatus;
  smsEligible?: boolean;
  /** Re-verify the number this many hours from now. */
  recheckInHours?: number;
  suppression?: { channel: 'sms' | 'email' | 'all'; kind: 'opt_out' | 'carrier_block' | 'bounce' };
  /** Hand the contact to the changed-number recovery funnel. */
  recovery?: 'consecutive_failures' | 'invalid_number';
  /** Whether the contact must be re-scored (something the score reads changed). */
  rescore: boolean;
}

const num = (a: Readonly<Record<string, unknown>>, k: string) => (typeof a[k] === 'number' && Number.isFinite(a[k]) ? (a[k] as number) : 0);

/** The feedback of one final SMS status. Non-final statuses (queued, sent...) change nothing: returns null. */
export function smsOutcomeFeedback(contact: FeedbackContact, input: { status: MessageStatus; errorCode?: string | number | null; at: string }): OutcomeFeedback | null {
  const o: DeliveryOutcome = classifyDeliveryOutcome(input);
  if (!o.delivered && !o.failed) return null;
  const a = contact.activity;
  const last = { channel: 'sms', status: o.status, errorCode: o.errorCode, action: o.action, at: input.at };
  const base = { ...a, lastOutcome: last };
  if (o.delivered) {
    const revive = contact.numberStatus !== 'active' && contact.numberStatus !== 'silent';
    return {
      verdict: 'reachable',
      cause: 'outcome:delivered',
      activity: { ...base, consecutiveFailures: 0, messagesSent: num(a, 'messagesSent') + 1, messagesDelivered: num(a, 'messagesDelivered') + 1, lastDeliveredAt: input.at },
      ...(revive ? { numberStatus: 'active' as const } : {}),
      rescore: true,
    };
  }
  const code = o.errorCode;
  const cause = `outcome:${code ?? o.status}`;
  const info = code === null ? undefined : ERROR_CODES.get(code);
  if (o.action === 'suppress') {
    // The number works; the person (21610) or their carrier (30004) refuses: the suppression list handles it.
    return {
      verdict: 'suppressed',
      cause,
      activity: { ...base, messagesSent: num(a, 'messagesSent') + 1, messagesRejected: num(a, 'messagesRejected') + 1 },
      suppression: { channel: 'sms', kind: code === 21610 ? 'opt_out' : 'carrier_block' },
      rescore: true,
    };
  }
  if (!o.countsAgainstContact) {
    const verdict: OutcomeVerdict = o.action === 'content_issue' ? 'content_issue' : info?.fault === 'sender' ? 'sender_issue' : 'not_counted';
    return { verdict, cause, activity: base, rescore: false };
  }
  const failures = num(a, 'consecutiveFailures') + 1;
  const activity = { ...base, consecutiveFailures: failures, messagesSent: num(a, 'messagesSent') + 1, lastFailedAt: input.at };
  const suspectStatus = code === null ? undefined : SUSPECT_STATUS.get(code);
  const invalid = suspectStatus === undefined && o.action === 'invalid_number';
  const status: NumberStatus = invalid ? 'empty' : (suspectStatus ?? 'out_of_service');
  if (invalid) return { verdict: 'invalid_number', cause, activity, numberStatus: status, recovery: 'invalid_number', rescore: true };
  if (failures >= DEAD_AFTER_CONSECUTIVE_FAILURES) {
    return {
      verdict: 'dead',
      cause,
      activity,
      numberStatus: status,
      validity: 'unreachable',
      smsEligible: false,
      // A periodic recheck may still find it revived; until then it stays out of SMS lists.
      recheckInHours: 24,
      recovery: 'consecutive_failures',
      rescore: true,
    };
  }
  return { verdict: 'suspect', cause, activity, numberStatus: status, rescore: true };
}

/** The feedback of a permanent e-mail refusal (SMTP reply code). */
export function emailOutcomeFeedback(contact: FeedbackContact, input: { smtpCode: number; at: string }): OutcomeFeedback {
  const a = contact.activity;
  const c = input.smtpCode;
  const last = { channel: 'email', status: 'bounced', errorCode: c, at: input.at };
  if (c === 0 || c === 550 || c === 551 || c === 553) {
    return { verdict: 'email_hard_bounce', cause: `outcome:email_${c}`, activity: { ...a, lastOutcome: last, emailSoftBounces: 0 }, suppression: { channel: 'email', kind: 'bounce' }, rescore: false };
  }
  const soft = num(a, 'emailSoftBounces') + 1;
  return {
    verdict: 'email_soft_bounce',
    cause: `outcome:email_${c}`,
    activity: { ...a, lastOutcome: last, emailSoftBounces: soft },
    ...(soft >= SOFT_BOUNCES_TO_SUPPRESS ? { suppression: { channel: 'email' as const, kind: 'bounce' as const } } : {}),
    rescore: false,
  };
}
