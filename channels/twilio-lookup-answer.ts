/**
 * What Twilio's Lookup v2 says of a number, in our vocabulary (core/number-status.ts statuses,
 * core/phone PhoneType line types). Pure; shared by the Twilio provider and the in-process sandbox.
 *
 *   valid: false (not a number that can be assigned)            -> empty
 *   Line Status (when requested): active / reachable            -> active
 *                                 inactive (not in service)      -> stopped
 *                                 unreachable (e.g. switched off) -> switched_off
 *   Line Type Intelligence error 60610 (not provisioned with any carrier, or out of coverage)
 *                                                               -> out_of_service (suspected: rechecked in a day)
 *   a line type on a valid number, no error                     -> active (the line exists on a carrier)
 *   anything else (another LTI error, no data)                  -> unknown (never overrides a known status)
 * Line types: mobile, landline -> fixed_line, fixedVoip / nonFixedVoip -> voip, tollFree,
 * premium, sharedCost, uan, voicemail, pager, personal; `unknown` and missing -> no line type.
 */
import type { NumberStatus } from '../core/number-status';
import type { PhoneType } from '../core/phone';
import type { LookupAnswer } from './number-lookup';

/** The fields of a Lookup v2 phone number this mapping reads (the library's camelCase instance). */
export interface TwilioLookupReply {
  valid?: boolean | null;
  lineTypeIntelligence?: { type?: string | null; errorCode?: number | null } | null;
  lineStatus?: { status?: string | null; errorCode?: number | null } | null;
}

const LINE_TYPES: Readonly<Record<string, PhoneType>> = {
  mobile: 'mobile',
  landline: 'fixed_line',
  fixedVoip: 'voip',
  nonFixedVoip: 'voip',
  personal: 'personal',
  tollFree: 'toll_free',
  premium: 'premium_rate',
  sharedCost: 'shared_cost',
  uan: 'uan',
  voicemail: 'voicemail',
  pager: 'pager',
};

const LINE_STATUSES: Readonly<Record<string, NumberStatus>> = { active: 'active', reachable: 'active', inactive: 'stopped', unreachable: 'switched_off' };

/** Line Type Intelligence: not provisioned with any carrier, or outside coverage. */
export const LTI_NOT_PROVISIONED = 60610;

export function answerFromTwilio(r: TwilioLookupReply): LookupAnswer {
  if (r.valid === false) return 'empty';
  const lti = r.lineTypeIntelligence ?? null;
  const lineType = lti?.type ? LINE_TYPES[lti.type] : undefined;
  const fromLineStatus = r.lineStatus?.status ? LINE_STATUSES[r.lineStatus.status] : undefined;
  let status: NumberStatus;
  if (fromLineStatus) status = fromLineStatus;
  else if (lti?.errorCode === LTI_NOT_PROVISIONED) status = 'out_of_service';
  else if (lineType && !lti?.errorCode) status = 'active';
  else status = 'unknown';
  return lineType ? { status, lineType } : status;
}
