/**
 * Re-verification of numbers (seed 001): what a fresh carrier lookup changes for a contact.
 *   empty / stopped          -> out of SMS lists (kept and marked), regular recheck
 *   switched off / out of svc -> recheck in hours
 *   silent                   -> stays reachable, but prefer a cheaper channel
 *   revived (was unreachable or suspected disconnected, now answers) -> back in, re-tiered up
 * An `unknown` answer (the lookup failed for that number) never overrides a known status: a
 * provider glitch must not put a stopped number back on an SMS list. Pure: no I/O, no clock.
 */
import { actionForStatus, REGULAR_RECHECK_DAYS, type NumberStatus, type StatusAction } from './number-status';
import type { ValidityStatus } from './score';

/** Hours until an inconclusive (unknown) answer is asked again. */
export const INCONCLUSIVE_RECHECK_HOURS = 24;

export const RECHECK_OUTCOMES = ['unchanged', 'removed_from_sms', 'recheck_later', 'cheaper_channel', 'revived', 'inconclusive', 'changed'] as const;
export type RecheckOutcome = (typeof RECHECK_OUTCOMES)[number];

export interface RecheckPrior {
  numberStatus: NumberStatus;
  validity: ValidityStatus;
  smsEligible: boolean;
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
}

export function decideRecheck(prior: RecheckPrior, answer: NumberStatus): RecheckDecision {
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

/**
 * "every 90d", "90d", "every 6h", "every 30m": a schedule interval as Temporal takes it.
 * Returns the normalised duration string ("90d") or null when it is not one.
 */
export function parseRecheckInterval(text: string): string | null {
  const m = /^\s*(?:every\s+)?(\d{1,5})\s*(m|min|h|d|w)\s*$/i.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  const minutes = unit === 'w' ? n * 7 * 1440 : unit === 'd' ? n * 1440 : unit === 'h' ? n * 60 : n;
  if (minutes < 5 || minutes > 366 * 1440) return null;
  return unit === 'w' ? `${n * 7}d` : unit === 'min' ? `${n}m` : `${n}${unit}`;
}
