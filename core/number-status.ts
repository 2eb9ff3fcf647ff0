import type { ValidityStatus } from './score-policy';

/**
 * What a carrier lookup (HLR / line-status check) says of a number, and what the product does
 * about it (seed 001): empty/stopped -> out of the SMS list but kept and marked; switched off /
 * out of service -> recheck in hours; silent -> a cheaper channel; active -> prioritised.
 */
export const NUMBER_STATUSES = ['active', 'empty', 'stopped', 'switched_off', 'out_of_service', 'silent', 'unknown'] as const;
export type NumberStatus = (typeof NUMBER_STATUSES)[number];

export interface StatusAction {
  validity: ValidityStatus;
  smsEligible: boolean;
  /** Hours until the next recheck; null = the regular (quarterly) cycle. */
  recheckInHours: number | null;
  /** Prefer e-mail over SMS even if the tier says SMS. */
  preferCheaperChannel: boolean;
}

const ACTIONS: Record<NumberStatus, StatusAction> = {
  active: { validity: 'reachable', smsEligible: true, recheckInHours: null, preferCheaperChannel: false },
  silent: { validity: 'reachable', smsEligible: true, recheckInHours: null, preferCheaperChannel: true },
  switched_off: { validity: 'suspected_disconnected', smsEligible: true, recheckInHours: 6, preferCheaperChannel: false },
  out_of_service: { validity: 'suspected_disconnected', smsEligible: true, recheckInHours: 24, preferCheaperChannel: false },
  empty: { validity: 'unreachable', smsEligible: false, recheckInHours: null, preferCheaperChannel: false },
  stopped: { validity: 'unreachable', smsEligible: false, recheckInHours: null, preferCheaperChannel: false },
  unknown: { validity: 'unknown', smsEligible: true, recheckInHours: null, preferCheaperChannel: false },
};

export const actionForStatus = (s: NumberStatus): StatusAction => ACTIONS[s];

/** Days between regular rechecks of every number (quarterly). */
export const REGULAR_RECHECK_DAYS = 90;
