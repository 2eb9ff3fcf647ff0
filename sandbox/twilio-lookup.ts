/**
 * Lookup v2 of the local Twilio-shaped server: GET /v2/PhoneNumbers/{PhoneNumber}?Fields=...
 * (the host lookups.twilio.com, which TWILIO_API_BASE rebases here like api.twilio.com), answered
 * in Twilio's JSON from the same scripted rules as messages (RuleBook.carrierView): a number whose
 * messages fail with 30005 is an inactive, unprovisioned line on Lookup too; an unscripted valid
 * number is a reachable mobile. Validity is libphonenumber's, as Twilio's basic lookup is.
 * Only the packages named in Fields are filled (line_type_intelligence, line_status); the others
 * are null, as at Twilio.
 */
import { parsePhoneNumberFromString, validatePhoneNumberLength } from 'libphonenumber-js/max';
import type { CarrierView, RuleBook } from './twilio-rules';

/** One Lookup request as the server saw it (tests count them: cache hits, pacing). */
export interface LookupRecord {
  phoneNumber: string;
  fields: string[];
  at: number;
}

const PACKAGES = ['caller_name', 'sim_swap', 'call_forwarding', 'line_status', 'line_type_intelligence', 'identity_match', 'reassigned_number', 'sms_pumping_risk', 'phone_number_quality_score', 'pre_fill'] as const;

const LENGTH_ERRORS: Record<string, string> = { TOO_SHORT: 'TOO_SHORT', TOO_LONG: 'TOO_LONG', INVALID_LENGTH: 'INVALID_LENGTH', INVALID_COUNTRY: 'INVALID_COUNTRY_CODE', NOT_A_NUMBER: 'NOT_A_NUMBER' };

/** The carrier name the sandbox reports for the lines it knows. */
export const SANDBOX_CARRIER = 'Sandbox Mobile';

/** Twilio's Lookup v2 JSON for `raw` (as given in the path), or null when it is not a phone number at all (404). */
export function lookupJson(rules: RuleBook, raw: string, fields: readonly string[]): Record<string, unknown> | null {
  const phone = parsePhoneNumberFromString(raw);
  if (!phone) return null;
  const valid = phone.isValid();
  const e164 = phone.number;
  const view: CarrierView | null = valid ? rules.carrierView(e164) : null;
  const body: Record<string, unknown> = {
    calling_country_code: phone.countryCallingCode,
    country_code: phone.country ?? null,
    phone_number: e164,
    national_format: phone.formatNational(),
    valid,
    validation_errors: valid ? [] : [LENGTH_ERRORS[validatePhoneNumberLength(e164) ?? ''] ?? 'INVALID_BUT_POSSIBLE'],
  };
  for (const p of PACKAGES) body[p] = null;
  // Twilio runs no data package on an invalid number.
  if (view && fields.includes('line_type_intelligence')) {
    body.line_type_intelligence = {
      mobile_country_code: view.lineType === 'mobile' ? '001' : null,
      mobile_network_code: view.lineType === 'mobile' ? '01' : null,
      carrier_name: view.lineType === 'mobile' || view.lineType === 'landline' ? SANDBOX_CARRIER : null,
      type: view.lineType,
      error_code: view.ltiErrorCode,
    };
  }
  if (view && fields.includes('line_status')) body.line_status = { status: view.lineStatus, error_code: null };
  body.url = `https://lookups.twilio.com/v2/PhoneNumbers/${e164}`;
  return body;
}

/** `Fields=a,b` (also repeated) -> ['a', 'b']. */
export function parseFields(q: unknown): string[] {
  const values = Array.isArray(q) ? q : q === undefined ? [] : [q];
  return values.flatMap((v) => String(v).split(',')).map((s) => s.trim()).filter(Boolean);
}
