import {
  isSupportedCountry,
  ParseError,
  parsePhoneNumberWithError,
  validatePhoneNumberLength,
  type CountryCode,
  type NumberType,
  type PhoneNumber,
} from 'libphonenumber-js/max';
import { classifyNumber } from './number-type';
import { needsTelUnwrap, unwrapTel } from './tel-uri';
import type { NormalizeOptions, PhoneError, PhoneErrorReason, PhoneOk, PhoneResult, PhoneType } from './types';

const TYPE_NAMES: Readonly<Record<NonNullable<NumberType>, PhoneType>> = {
  MOBILE: 'mobile',
  FIXED_LINE: 'fixed_line',
  FIXED_LINE_OR_MOBILE: 'fixed_line_or_mobile',
  VOIP: 'voip',
  TOLL_FREE: 'toll_free',
  PREMIUM_RATE: 'premium_rate',
  SHARED_COST: 'shared_cost',
  PERSONAL_NUMBER: 'personal',
  PAGER: 'pager',
  UAN: 'uan',
  VOICEMAIL: 'voicemail',
};

/** libphonenumber-js type name -> PhoneType ('unknown' for undefined). */
export function phoneTypeFromLibphonenumber(type: NumberType): PhoneType {
  return type === undefined ? 'unknown' : TYPE_NAMES[type];
}

const MESSAGES: Readonly<Record<PhoneErrorReason, string>> = {
  empty: 'phone number is empty',
  not_a_number: 'not a phone number',
  invalid_country_code:
    'country calling code missing or unknown (write +CC, or set a default country for national numbers)',
  too_short: 'too few digits for a phone number of that country',
  too_long: 'too many digits for a phone number of that country',
  invalid_length: 'digit count is not used by that country',
  invalid_for_region: 'not a valid number of that country (no such range)',
};

function fail(reason: PhoneErrorReason): PhoneError {
  return { ok: false, reason, message: MESSAGES[reason] };
}

const PARSE_ERRORS: Readonly<Record<string, PhoneErrorReason>> = {
  NOT_A_NUMBER: 'not_a_number',
  INVALID_COUNTRY: 'invalid_country_code',
  TOO_SHORT: 'too_short',
  TOO_LONG: 'too_long',
};

const LENGTH_ERRORS: Readonly<Record<string, PhoneErrorReason>> = {
  TOO_SHORT: 'too_short',
  TOO_LONG: 'too_long',
  INVALID_LENGTH: 'invalid_length',
  INVALID_COUNTRY: 'invalid_country_code',
  NOT_A_NUMBER: 'not_a_number',
};

const NON_ASCII = /[^\x00-\x7f]/;
/** Chinese extension words (转 / 轉 / 分机 / 分機 / 内线 / 內線) -> an extension label libphonenumber knows. */
const CJK_EXTENSION = /\s*(?:转|轉|分机|分機|内线|內線)\s*(?=\d)/;

const supportedDefault = new Map<string, CountryCode | undefined>();

/** Upper-cases the default country and drops one libphonenumber does not know (it would throw). */
function resolveDefaultCountry(country: string | undefined): CountryCode | undefined {
  if (!country) return undefined;
  let resolved = supportedDefault.get(country);
  if (resolved === undefined && !supportedDefault.has(country)) {
    const upper = country.toUpperCase();
    resolved = isSupportedCountry(upper) ? (upper as CountryCode) : undefined;
    if (supportedDefault.size < 1024) supportedDefault.set(country, resolved);
  }
  return resolved;
}

/**
 * One raw contact-list cell -> E.164 + country + line type (+ extension), or a closed-set reason.
 *
 * Order of the rules (each covered in test/core/phone.test.ts):
 * 1. non-ASCII input is NFKC-normalised (full-width ＋ and digits, U+3000 spaces) and Chinese extension
 *    words (转, 分机) become `ext.`;
 * 2. blank -> `empty`;
 * 3. `tel:` URIs and `;phone-context=` are unwrapped here (libphonenumber-js bug, see tel-uri.ts);
 * 4. libphonenumber-js (full metadata) parses once: punctuation, 00/011/IDD prefixes for the default
 *    country, trunk prefixes, `(0)`, extensions (`ext. 12`, `x12`, `#12`, `;ext=12`);
 * 5. validity and type are read once (number-type.ts: libphonenumber-js's rules, patterns compiled
 *    once); an invalid number's reason is the length check (too_short / too_long / invalid_length)
 *    or invalid_for_region, as libphonenumber defines them.
 */
export function normalizePhone(raw: string, opts: NormalizeOptions = {}): PhoneResult {
  if (typeof raw !== 'string') return fail('empty');
  let text = raw;
  if (NON_ASCII.test(text)) {
    text = text.normalize('NFKC');
    if (CJK_EXTENSION.test(text)) text = text.replace(CJK_EXTENSION, ' ext. ');
  }
  if (text.trim() === '') return fail('empty');

  let telExtension: string | undefined;
  if (needsTelUnwrap(text)) {
    const tel = unwrapTel(text);
    text = tel.number;
    telExtension = tel.extension;
    if (text === '') return fail('not_a_number');
  }

  const defaultCountry = resolveDefaultCountry(opts.defaultCountry);
  let phone: PhoneNumber;
  try {
    phone = parsePhoneNumberWithError(text, defaultCountry);
  } catch (error) {
    if (error instanceof ParseError) return fail(PARSE_ERRORS[error.message] ?? 'not_a_number');
    throw error;
  }

  const { valid, type: libType } = classifyNumber(phone);
  if (!valid) {
    const length = validatePhoneNumberLength(phone.number);
    return fail(length ? (LENGTH_ERRORS[length] ?? 'invalid_for_region') : 'invalid_for_region');
  }

  const result: PhoneOk = {
    ok: true,
    e164: phone.number,
    country: phone.country ?? null,
    callingCode: phone.countryCallingCode,
    nationalNumber: phone.nationalNumber,
    type: phoneTypeFromLibphonenumber(libType),
  };
  const extension = telExtension ?? phone.ext;
  if (extension) result.extension = extension;
  return result;
}
