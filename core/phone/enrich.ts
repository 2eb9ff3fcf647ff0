import { ParseError, parsePhoneNumberWithError, type PhoneNumber } from 'libphonenumber-js/max';
import { countryInfo } from './countries';
import { phoneTypeFromLibphonenumber } from './normalize';
import {
  isGeographicType,
  significantPrefixLength,
  timeZonesFor,
  UNKNOWN_TIME_ZONES,
} from './timezones';
import type { CountryCode, PhoneEnrichment, PhoneOk, PhoneType } from './types';

export interface EnrichOptions {
  /** Use the prefix cache (default true). false recomputes; results are identical. */
  cache?: boolean;
}

const NOTHING_KNOWN: PhoneEnrichment = Object.freeze({
  country: null,
  region: null,
  currency: null,
  language: null,
  timeZones: UNKNOWN_TIME_ZONES,
});

/** Bounded: at most this many distinct (country, significant prefix) keys, then start over. */
export const ENRICHMENT_CACHE_LIMIT = 100_000;
const cache = new Map<string, PhoneEnrichment>();

export function clearPhoneEnrichmentCache(): void {
  cache.clear();
}

export function phoneEnrichmentCacheSize(): number {
  return cache.size;
}

function compute(
  country: CountryCode | null,
  callingCode: string,
  e164Digits: string,
  type: PhoneType | null,
): PhoneEnrichment {
  const info = countryInfo(country);
  return Object.freeze({
    country,
    region: info.region,
    currency: info.currency,
    language: info.language,
    timeZones: timeZonesFor(callingCode, e164Digits, type),
  });
}

/**
 * Enrichment from already-parsed parts. `type` null means the number is not valid. The cache key is
 * everything the answer depends on: the country, and either the first N E.164 digits (N = the longest
 * time-zone prefix stored for the calling code) for geographic types, or just the calling code.
 */
export function enrichParts(
  country: CountryCode | null,
  callingCode: string,
  e164Digits: string,
  type: PhoneType | null,
  opts?: EnrichOptions,
): PhoneEnrichment {
  if (opts?.cache === false) return compute(country, callingCode, e164Digits, type);
  let key: string;
  if (type === null || type === 'unknown') key = `${country ?? ''}|u${callingCode}`;
  else if (isGeographicType(type, callingCode))
    key = `${country ?? ''}|g${e164Digits.slice(0, significantPrefixLength(callingCode))}`;
  else key = `${country ?? ''}|n${callingCode}`;
  let hit = cache.get(key);
  if (hit === undefined) {
    hit = compute(country, callingCode, e164Digits, type);
    if (cache.size >= ENRICHMENT_CACHE_LIMIT) cache.clear();
    cache.set(key, hit);
  }
  return hit;
}

/**
 * Country, region, currency, language and candidate time zones of a number.
 *
 * Pass the PhoneOk from normalizePhone (no re-parse: intake path), or an E.164 string (parsed once;
 * an invalid number still gets its country's region/currency/language when the calling code names
 * one country, and `Etc/Unknown` zones). Unparseable input gives all-null fields, never a throw.
 * The returned object is frozen and may be shared between calls.
 */
export function enrichPhone(input: string | PhoneOk, opts?: EnrichOptions): PhoneEnrichment {
  if (typeof input !== 'string') {
    return enrichParts(input.country, input.callingCode, input.e164.slice(1), input.type, opts);
  }
  let phone: PhoneNumber;
  try {
    phone = parsePhoneNumberWithError(input.normalize('NFKC'));
  } catch (error) {
    if (error instanceof ParseError) return NOTHING_KNOWN;
    throw error;
  }
  const libType = phone.getType();
  const type = libType === undefined && !phone.isValid() ? null : phoneTypeFromLibphonenumber(libType);
  return enrichParts(phone.country ?? null, phone.countryCallingCode, phone.number.slice(1), type, opts);
}
