/**
 * Twilio message status ordering and error-code -> product action map.
 *
 * Pure: no I/O. The ranks, terminal handling and actions are reachloop product policy, taken
 * unchanged from test/fixtures/twilio_error_codes.json (sources: Twilio's MessageStatus enum in
 * twilio@6.2.0 and the Twilio error dictionary). The test checks this table against that file.
 */

export const MESSAGE_STATUSES = [
  'scheduled',
  'accepted',
  'queued',
  'sending',
  'sent',
  'canceled',
  'failed',
  'undelivered',
  'delivered',
  'partially_delivered',
  'read',
  'receiving',
  'received',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export type MessageDirection = 'outbound' | 'inbound';

export interface StatusInfo {
  readonly rank: number;
  readonly direction: MessageDirection;
  readonly terminal: boolean;
}

/** Rank within a direction. Outbound and inbound are separate tracks. */
export const STATUS_INFO: Readonly<Record<MessageStatus, StatusInfo>> = {
  scheduled: { rank: 0, direction: 'outbound', terminal: false },
  accepted: { rank: 1, direction: 'outbound', terminal: false },
  queued: { rank: 2, direction: 'outbound', terminal: false },
  sending: { rank: 3, direction: 'outbound', terminal: false },
  sent: { rank: 4, direction: 'outbound', terminal: false },
  canceled: { rank: 5, direction: 'outbound', terminal: true },
  failed: { rank: 5, direction: 'outbound', terminal: true },
  undelivered: { rank: 5, direction: 'outbound', terminal: true },
  delivered: { rank: 5, direction: 'outbound', terminal: true },
  partially_delivered: { rank: 5, direction: 'outbound', terminal: true },
  read: { rank: 6, direction: 'outbound', terminal: true },
  receiving: { rank: 0, direction: 'inbound', terminal: false },
  received: { rank: 1, direction: 'inbound', terminal: true },
};

const STATUS_SET: ReadonlySet<string> = new Set(MESSAGE_STATUSES);

/** Parse a MessageStatus/SmsStatus form value. Unknown values return null (log them, do not apply). */
export function parseMessageStatus(raw: string | null | undefined): MessageStatus | null {
  if (raw == null) return null;
  const s = raw.trim().toLowerCase();
  return STATUS_SET.has(s) ? (s as MessageStatus) : null;
}

/**
 * Whether a status callback may overwrite the stored status. Callbacks arrive out of order, so a
 * message never moves backwards:
 * - no stored status: apply;
 * - different direction: never (a MessageSid has one direction);
 * - stored status terminal: ignore everything except delivered/partially_delivered -> read
 *   (terminal rank-5 outcomes are mutually exclusive; a later contradicting one is logged, not applied);
 * - otherwise apply only if the incoming rank is strictly greater (same status twice is a no-op).
 */
export function shouldApplyStatus(
  current: MessageStatus | null | undefined,
  incoming: MessageStatus,
): boolean {
  const inc = STATUS_INFO[incoming];
  if (current == null) return true;
  const cur = STATUS_INFO[current];
  if (cur.direction !== inc.direction) return false;
  if (cur.terminal) {
    return incoming === 'read' && (current === 'delivered' || current === 'partially_delivered');
  }
  return inc.rank > cur.rank;
}

// ---------------------------------------------------------------------------------------------
// Error codes

export const DELIVERY_ACTIONS = [
  'invalid_number',
  'suppress',
  'suspect_reverify',
  'retry_later',
  'content_issue',
  'carrier_issue',
  'unknown',
] as const;
export type DeliveryAction = (typeof DELIVERY_ACTIONS)[number];

/**
 * Whose problem a failure is, for the feedback loop: only 'contact' failures count against the
 * contact's reachability score and towards "consecutive failures -> re-verify -> remove".
 * 'sender' failures (content, registration, throughput, account) are ours to fix. Product policy.
 */
export type FailureFault = 'contact' | 'sender' | 'unknown';

export interface ErrorCodeInfo {
  readonly code: number;
  readonly title: string;
  readonly action: DeliveryAction;
  readonly fault: FailureFault;
}

const code = (c: number, title: string, action: DeliveryAction, fault: FailureFault): ErrorCodeInfo => ({
  code: c,
  title,
  action,
  fault,
});

export const ERROR_CODES: ReadonlyMap<number, ErrorCodeInfo> = new Map(
  [
    code(21211, "Invalid 'To' Phone Number", 'invalid_number', 'contact'),
    code(21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number", 'carrier_issue', 'sender'),
    code(21610, 'Attempt to send to unsubscribed recipient', 'suppress', 'contact'),
    code(21612, "The 'To' phone number is not currently reachable via SMS", 'suspect_reverify', 'contact'),
    code(21614, "'To' number is not a valid mobile number", 'invalid_number', 'contact'),
    code(21635, "'To' number cannot be a landline", 'invalid_number', 'contact'),
    code(21602, 'Message body is required', 'content_issue', 'sender'),
    code(21617, 'The concatenated message body exceeds the 1600 character limit', 'content_issue', 'sender'),
    code(30001, 'Queue overflow', 'retry_later', 'sender'),
    code(30002, 'Account suspended', 'carrier_issue', 'sender'),
    code(30003, 'Unreachable destination handset', 'retry_later', 'contact'),
    code(30004, 'Message blocked', 'suppress', 'contact'),
    code(30005, 'Unknown destination handset', 'suspect_reverify', 'contact'),
    code(30006, 'Landline or unreachable carrier', 'invalid_number', 'contact'),
    code(30007, 'Message filtered', 'content_issue', 'sender'),
    code(30008, 'Unknown error', 'retry_later', 'unknown'),
    code(30022, 'US A2P 10DLC - Rate Limits Exceeded', 'retry_later', 'sender'),
    code(30023, 'US A2P 10DLC - Daily Message Cap Reached', 'retry_later', 'sender'),
    code(30032, 'Toll-Free Number Has Not Been Verified', 'carrier_issue', 'sender'),
    code(30034, 'US A2P 10DLC - Message from an Unregistered Number', 'carrier_issue', 'sender'),
    code(30035, 'US A2P 10DLC - Message from a number still being configured', 'retry_later', 'sender'),
  ].map((i) => [i.code, i] as const),
);

/** Parse an ErrorCode form value ("30003", 30003, "" or absent). Non-numeric -> null. */
export function parseErrorCode(raw: string | number | null | undefined): number | null {
  if (raw == null) return null;
  if (typeof raw === 'number') return Number.isInteger(raw) && raw > 0 ? raw : null;
  const s = raw.trim();
  return /^\d{1,9}$/.test(s) && Number(s) > 0 ? Number(s) : null;
}

/** Product action for a Twilio error code. Codes not in the table -> 'unknown' (bounded retry, then review). */
export function actionForErrorCode(raw: string | number | null | undefined): DeliveryAction {
  const c = parseErrorCode(raw);
  return c == null ? 'unknown' : (ERROR_CODES.get(c)?.action ?? 'unknown');
}

export interface DeliveryOutcome {
  readonly status: MessageStatus;
  /** Terminal per STATUS_INFO: no further callback will change the verdict (except delivered -> read). */
  readonly final: boolean;
  /** The recipient got it (delivered or read). partially_delivered is deliberately NOT counted. */
  readonly delivered: boolean;
  /** Failure verdict (failed/undelivered); false for success, pending, canceled and inbound. */
  readonly failed: boolean;
  readonly errorCode: number | null;
  /** What to do about a failure; null when nothing failed. */
  readonly action: DeliveryAction | null;
  /**
   * Whether this failure counts against the contact's reachability (score, consecutive failures).
   * Suppressions (21610 opt-out, 30004 blocked) are handled by the suppression list instead: the
   * number works, the person does not want it, so they do not count as reachability failures.
   */
  readonly countsAgainstContact: boolean;
}

/** Classify one status callback (MessageStatus + ErrorCode) for the feedback loop. */
export function classifyDeliveryOutcome(input: {
  status: MessageStatus;
  errorCode?: string | number | null;
}): DeliveryOutcome {
  const info = STATUS_INFO[input.status];
  const errorCode = parseErrorCode(input.errorCode);
  const failed = input.status === 'failed' || input.status === 'undelivered';
  const delivered = input.status === 'delivered' || input.status === 'read';
  let action: DeliveryAction | null = null;
  let countsAgainstContact = false;
  if (failed) {
    const known = errorCode == null ? undefined : ERROR_CODES.get(errorCode);
    action = known?.action ?? 'unknown';
    // An unknown code or a failure without a code is not blamed on the contact: we cannot tell.
    countsAgainstContact = known?.fault === 'contact' && known.action !== 'suppress';
  }
  return { status: input.status, final: info.terminal, delivered, failed, errorCode, action, countsAgainstContact };
}
