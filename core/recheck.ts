/**
 * Re-verification of numbers (seed 001): what a fresh carrier lookup changes for a contact.
 *   empty / stopped          -> out of SMS lists (kept and marked), regular recheck
 *   switched off / out of svc -> recheck in hours
 *   silent                   -> stays reachable, but prefer a cheaper channel
 *   revived (was unreachable or suspected disconnected, now answers) -> back in, re-tiered up
 * An `unknown` answer (the lookup failed for that number) never overrides a known status: a
 * provider glitch must not put a stopped number back on an SMS list. A mobile number reported as
 * a landline or VoIP line now was reassigned: out of SMS lists, and its customer goes to the
 * changed-number recovery funnel. Pure: no I/O, no clock.
 */
import { actionForStatus, REGULAR_RECHECK_DAYS, type NumberStatus, type StatusAction } from './number-status';
import type { PhoneType } from './phone';
import type { ValidityStatus } from './score-policy';

/** Hours until an inconclusive (unknown) answer is asked again. */
export const INCONCLUSIVE_RECHECK_HOURS = 24;

export const RECHECK_OUTCOMES = ['unchanged', 'removed_from_sms', 'recheck_later', 'cheaper_channel', 'revived', 'inconclusive', 'changed', 'line_type_changed'] as const;
export type RecheckOutcome = (typeof RECHECK_OUTCOMES)[number];

export interface RecheckPrior {
  numberStatus: NumberStatus;
  validity: ValidityStatus;
  smsEligible: boolean;
  /** The stored line type (absent: not compared). */
  lineType?: PhoneType;
}

export interface RecheckDecision {
  /** The status stored after this lookup. */
  status: NumberStatus;
  action: StatusAction;
  /** `from->to` of the stored status, e.g. `stopped->active`. */
  transition: string;
  outcome: RecheckOutcome;
  /** Hours until this number is looked up again. */
  recheckInHours: number;
  /** A mobile line reported as another type now: the type to store; the number is out of SMS lists and its customer is looked for (recovery). */
  lineTypeChanged?: { from: PhoneType; to: PhoneType };
}

const TEXTABLE: ReadonlySet<PhoneType> = new Set(['mobile', 'fixed_line_or_mobile']);

/** A number that could take SMS and is now reported as a line that cannot (landline, VoIP, toll-free...): reassigned. */
export function lineTypeTurned(prior: PhoneType | undefined, reported: PhoneType | undefined): boolean {
  if (!prior || !reported || reported === 'unknown') return false;
  return TEXTABLE.has(prior) && !TEXTABLE.has(reported);
}

/**
 * `carrierChecked: false` (LOOKUP_PROVIDER=none, the numbering plan only): a "reachable" answer
 * about a number that is down is not evidence, so it is inconclusive instead of a revival.
 */
export function decideRecheck(prior: RecheckPrior, answer: NumberStatus, reportedLineType?: PhoneType, opts: { carrierChecked?: boolean } = {}): RecheckDecision {
  const wasDown = prior.validity === 'unreachable' || prior.validity === 'suspected_disconnected';
  const hearsay = opts.carrierChecked === false && wasDown && actionForStatus(answer).validity === 'reachable';
  const d = decideStatus(prior, hearsay ? 'unknown' : answer);
  if (!lineTypeTurned(prior.lineType, reportedLineType)) return d;
  return { ...d, outcome: 'line_type_changed', action: { ...d.action, smsEligible: false }, lineTypeChanged: { from: prior.lineType!, to: reportedLineType! } };
}

function decideStatus(prior: RecheckPrior, answer: NumberStatus): RecheckDecision {
  if (answer === 'unknown' && prior.numberStatus !== 'unknown') {
    return {
      status: prior.numberStatus,
      action: actionForStatus(prior.numberStatus),
      transition: `${prior.numberStatus}->${prior.numberStatus}`,
      outcome: 'inconclusive',
      recheckInHours: INCONCLUSIVE_RECHECK_HOURS,
    };
  }
  const action = actionForStatus(answer);
  const recheckInHours = action.recheckInHours ?? REGULAR_RECHECK_DAYS * 24;
  const base = { status: answer, action, transition: `${prior.numberStatus}->${answer}`, recheckInHours };
  const wasDown = prior.validity === 'unreachable' || prior.validity === 'suspected_disconnected';
  let outcome: RecheckOutcome;
  if (answer === prior.numberStatus) outcome = 'unchanged';
  else if (wasDown && action.validity === 'reachable') outcome = 'revived';
  else if (!action.smsEligible && prior.smsEligible) outcome = 'removed_from_sms';
  else if (action.recheckInHours !== null) outcome = 'recheck_later';
  else if (action.preferCheaperChannel) outcome = 'cheaper_channel';
  else outcome = 'changed';
  return { ...base, outcome };
}
