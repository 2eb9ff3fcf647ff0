import type { PhoneType } from './types';
import { TZ_GROUPS, TZ_LONGEST_PREFIX } from './tzdata';

/** What libphonenumber returns when it knows nothing. Not a zone luxon accepts: callers fall back. */
export const UNKNOWN_TIME_ZONE = 'Etc/Unknown';
export const UNKNOWN_TIME_ZONES: readonly string[] = Object.freeze([UNKNOWN_TIME_ZONE]);

/** E.164 digit prefix -> zones (shared frozen arrays; one array per distinct zone list). */
const PREFIX_ZONES: ReadonlyMap<string, readonly string[]> = (() => {
  const map = new Map<string, readonly string[]>();
  for (const [zones, prefixes] of TZ_GROUPS) {
    const list = Object.freeze(zones.split('&'));
    for (const prefix of prefixes.split(' ')) map.set(prefix, list);
  }
  return map;
})();

/**
 * Calling codes whose MOBILE numbers libphonenumber treats as geographic
 * (PhoneNumberUtil GEO_MOBILE_COUNTRIES: MX, AR, BR, ID, CN).
 */
const GEO_MOBILE_CALLING_CODES: ReadonlySet<string> = new Set(['52', '54', '55', '62', '86']);

/** libphonenumber isNumberTypeGeographical(type, callingCode). */
export function isGeographicType(type: PhoneType, callingCode: string): boolean {
  return (
    type === 'fixed_line' ||
    type === 'fixed_line_or_mobile' ||
    (type === 'mobile' && GEO_MOBILE_CALLING_CODES.has(callingCode))
  );
}

function longestPrefix(digits: string): readonly string[] {
  for (let len = Math.min(TZ_LONGEST_PREFIX, digits.length); len > 0; len--) {
    const zones = PREFIX_ZONES.get(digits.slice(0, len));
    if (zones) return zones;
  }
  return UNKNOWN_TIME_ZONES;
}

/** Zones stored for the bare calling code (libphonenumber's country-level list). */
export function countryLevelTimeZones(callingCode: string): readonly string[] {
  return longestPrefix(callingCode);
}

/**
 * libphonenumber PhoneNumberToTimeZonesMapper.getTimeZonesForNumber, given what the parse already
 * produced: `type` null (or 'unknown') for an invalid number -> Etc/Unknown; a non-geographic type ->
 * the country-level list; otherwise the longest stored prefix (up to 9 digits) of the E.164 digits.
 */
export function timeZonesFor(
  callingCode: string,
  e164Digits: string,
  type: PhoneType | null,
): readonly string[] {
  if (type === null || type === 'unknown') return UNKNOWN_TIME_ZONES;
  if (!isGeographicType(type, callingCode)) return countryLevelTimeZones(callingCode);
  return longestPrefix(e164Digits);
}

const maxPrefixByCallingCode = new Map<string, number>();

/**
 * Longest stored prefix among the map entries of a calling code, in E.164 digits (e.g. 7 for '1'
 * because of exchange entries like 1907209, 8 for '61'). Calling codes are prefix-free, so every
 * entry starting with the code belongs to it. The first N digits therefore fully decide the zones.
 */
export function significantPrefixLength(callingCode: string): number {
  let n = maxPrefixByCallingCode.get(callingCode);
  if (n === undefined) {
    n = callingCode.length;
    for (const prefix of PREFIX_ZONES.keys()) {
      if (prefix.length > n && prefix.startsWith(callingCode)) n = prefix.length;
    }
    maxPrefixByCallingCode.set(callingCode, n);
  }
  return n;
}

/** Every zone name in the map (for data checks). */
export function allMappedTimeZones(): ReadonlySet<string> {
  const out = new Set<string>();
  for (const zones of PREFIX_ZONES.values()) for (const z of zones) out.add(z);
  return out;
}

export function timeZonePrefixCount(): number {
  return PREFIX_ZONES.size;
}
