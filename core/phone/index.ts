/**
 * Phone numbers: normalisation to E.164 (libphonenumber-js, full metadata) and enrichment with
 * country, region, currency, language and candidate time zones (libphonenumber's time-zone map).
 * Pure: no I/O, no clock, no Node builtins (importable from Temporal workflow code).
 */
export type {
  CountryCode,
  NormalizeOptions,
  PhoneEnrichment,
  PhoneError,
  PhoneErrorReason,
  PhoneOk,
  PhoneResult,
  PhoneType,
  Region,
} from './types';
export { normalizePhone, phoneTypeFromLibphonenumber } from './normalize';
export {
  clearPhoneEnrichmentCache,
  enrichParts,
  enrichPhone,
  ENRICHMENT_CACHE_LIMIT,
  phoneEnrichmentCacheSize,
  type EnrichOptions,
} from './enrich';
export { countryInfo, COUNTRY_INFO, LANGUAGE_OVERRIDES, type CountryInfo } from './countries';
export {
  countryLevelTimeZones,
  isGeographicType,
  timeZonesFor,
  UNKNOWN_TIME_ZONE,
  UNKNOWN_TIME_ZONES,
} from './timezones';
export { TZ_DATA_VERSION } from './tzdata';
export { subdivisionOfNumber } from './subdivision';
