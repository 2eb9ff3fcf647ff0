import type { CountryCode } from 'libphonenumber-js/max';

export type { CountryCode };

/** Line type, from libphonenumber's full metadata. `unknown` only for a valid number of no known type. */
export type PhoneType =
  | 'mobile'
  | 'fixed_line'
  | 'fixed_line_or_mobile'
  | 'voip'
  | 'toll_free'
  | 'premium_rate'
  | 'shared_cost'
  | 'personal'
  | 'pager'
  | 'uan'
  | 'voicemail'
  | 'unknown';

/**
 * Why a raw cell is not a phone number. The libphonenumber reasons keep the spelling of
 * test/fixtures/phone_normalization.json (lower-cased); `empty` is split out of NOT_A_NUMBER so that
 * an operator can tell a blank cell from garbage.
 */
export type PhoneErrorReason =
  | 'empty'
  | 'not_a_number'
  | 'invalid_country_code'
  | 'too_short'
  | 'too_long'
  /** libphonenumber INVALID_LENGTH: between the shortest and longest lengths but not one in use. */
  | 'invalid_length'
  | 'invalid_for_region';

export interface NormalizeOptions {
  /** Region assumed for numbers written without an international prefix (ISO 3166-1 alpha-2). */
  defaultCountry?: CountryCode | undefined;
}

export interface PhoneOk {
  ok: true;
  /** E.164, never containing the extension. */
  e164: string;
  /** Region of the number; null for non-geographic calling codes (+800, +808, +870, +881...). */
  country: CountryCode | null;
  /** Country calling code without '+', e.g. '1', '86'. */
  callingCode: string;
  /** National significant number (digits after the calling code). */
  nationalNumber: string;
  type: PhoneType;
  /** Extension digits when the cell carried one (`ext. 12`, `x12`, `#12`, `;ext=12`, `转12`). */
  extension?: string;
}

export interface PhoneError {
  ok: false;
  reason: PhoneErrorReason;
  /** One-line, operator-readable explanation (never contains the raw number). */
  message: string;
}

export type PhoneResult = PhoneOk | PhoneError;

export type Region = 'AMER' | 'EMEA' | 'APAC';

export interface PhoneEnrichment {
  country: CountryCode | null;
  region: Region | null;
  /** ISO 4217 code. */
  currency: string | null;
  /** BCP-47 primary language subtag (CLDR likely language for the country). */
  language: string | null;
  /**
   * Candidate IANA zones per libphonenumber's time-zone map (legacy names kept, e.g. Asia/Calcutta).
   * More than one entry: ambiguous. `['Etc/Unknown']`: no information (invalid number or no data).
   */
  timeZones: readonly string[];
}
