import type { Region } from './types';

/**
 * Country -> coarse sales region, ISO 4217 currency and BCP-47 primary language, for the countries in
 * the test vectors plus the ~90 largest markets. Countries not listed give null fields.
 *
 * Region: AMER = the Americas; EMEA = Europe, the Middle East, Africa, Russia and Central Asia;
 * APAC = Asia east/south of that, Oceania.
 * Language: CLDR's likely language for the region (`new Intl.Locale('und-XX').maximize().language`,
 * checked by test/core/phone-enrich.test.ts), except LANGUAGE_OVERRIDES, where CLDR names a widely
 * spoken but rarely written-for-commerce language and the official business language is used instead.
 */
export const LANGUAGE_OVERRIDES: Readonly<Record<string, { cldr: string; used: string; why: string }>> = {
  PY: { cldr: 'gn', used: 'es', why: 'Guarani is co-official; commercial text is Spanish' },
  GH: { cldr: 'ak', used: 'en', why: 'English is the official and business language' },
  SN: { cldr: 'wo', used: 'fr', why: 'French is the official written language' },
  KE: { cldr: 'sw', used: 'en', why: 'English is co-official and the language of commercial SMS' },
  IN: { cldr: 'hi', used: 'en', why: 'English is the pan-Indian language of commercial SMS templates' },
};

type Info = readonly [region: Region, currency: string, language: string];

const A = 'AMER' as const;
const E = 'EMEA' as const;
const P = 'APAC' as const;

export const COUNTRY_INFO: Readonly<Record<string, Info>> = {
  // Americas
  US: [A, 'USD', 'en'], CA: [A, 'CAD', 'en'], MX: [A, 'MXN', 'es'], BR: [A, 'BRL', 'pt'],
  AR: [A, 'ARS', 'es'], CL: [A, 'CLP', 'es'], CO: [A, 'COP', 'es'], PE: [A, 'PEN', 'es'],
  VE: [A, 'VES', 'es'], EC: [A, 'USD', 'es'], UY: [A, 'UYU', 'es'], PY: [A, 'PYG', 'es'],
  BO: [A, 'BOB', 'es'], CR: [A, 'CRC', 'es'], PA: [A, 'USD', 'es'], GT: [A, 'GTQ', 'es'],
  DO: [A, 'DOP', 'es'], PR: [A, 'USD', 'es'], JM: [A, 'JMD', 'en'], TT: [A, 'TTD', 'en'],
  HN: [A, 'HNL', 'es'], SV: [A, 'USD', 'es'],
  // Europe
  GB: [E, 'GBP', 'en'], IE: [E, 'EUR', 'en'], DE: [E, 'EUR', 'de'], FR: [E, 'EUR', 'fr'],
  ES: [E, 'EUR', 'es'], IT: [E, 'EUR', 'it'], NL: [E, 'EUR', 'nl'], BE: [E, 'EUR', 'nl'],
  LU: [E, 'EUR', 'fr'], CH: [E, 'CHF', 'de'], AT: [E, 'EUR', 'de'], PT: [E, 'EUR', 'pt'],
  SE: [E, 'SEK', 'sv'], NO: [E, 'NOK', 'nb'], DK: [E, 'DKK', 'da'], FI: [E, 'EUR', 'fi'],
  IS: [E, 'ISK', 'is'], PL: [E, 'PLN', 'pl'], CZ: [E, 'CZK', 'cs'], SK: [E, 'EUR', 'sk'],
  HU: [E, 'HUF', 'hu'], RO: [E, 'RON', 'ro'], BG: [E, 'EUR', 'bg'], HR: [E, 'EUR', 'hr'],
  GR: [E, 'EUR', 'el'], SI: [E, 'EUR', 'sl'], RS: [E, 'RSD', 'sr'], UA: [E, 'UAH', 'uk'],
  RU: [E, 'RUB', 'ru'], BY: [E, 'BYN', 'ru'], TR: [E, 'TRY', 'tr'],
  // Central Asia (sold from EMEA)
  KZ: [E, 'KZT', 'ru'], UZ: [E, 'UZS', 'uz'],
  // Middle East
  IL: [E, 'ILS', 'he'], AE: [E, 'AED', 'ar'], SA: [E, 'SAR', 'ar'], QA: [E, 'QAR', 'ar'],
  KW: [E, 'KWD', 'ar'], BH: [E, 'BHD', 'ar'], OM: [E, 'OMR', 'ar'], JO: [E, 'JOD', 'ar'],
  LB: [E, 'LBP', 'ar'], IQ: [E, 'IQD', 'ar'], IR: [E, 'IRR', 'fa'],
  // Africa
  EG: [E, 'EGP', 'ar'], MA: [E, 'MAD', 'ar'], DZ: [E, 'DZD', 'ar'], TN: [E, 'TND', 'ar'],
  NG: [E, 'NGN', 'en'], GH: [E, 'GHS', 'en'], KE: [E, 'KES', 'en'], ET: [E, 'ETB', 'am'],
  ZA: [E, 'ZAR', 'en'], TZ: [E, 'TZS', 'sw'], SN: [E, 'XOF', 'fr'], CI: [E, 'XOF', 'fr'],
  CM: [E, 'XAF', 'fr'],
  // Asia-Pacific
  CN: [P, 'CNY', 'zh'], HK: [P, 'HKD', 'zh'], MO: [P, 'MOP', 'zh'], TW: [P, 'TWD', 'zh'],
  JP: [P, 'JPY', 'ja'], KR: [P, 'KRW', 'ko'], SG: [P, 'SGD', 'en'], MY: [P, 'MYR', 'ms'],
  ID: [P, 'IDR', 'id'], TH: [P, 'THB', 'th'], VN: [P, 'VND', 'vi'], PH: [P, 'PHP', 'fil'],
  IN: [P, 'INR', 'en'], PK: [P, 'PKR', 'ur'], BD: [P, 'BDT', 'bn'], LK: [P, 'LKR', 'si'],
  NP: [P, 'NPR', 'ne'], AU: [P, 'AUD', 'en'], NZ: [P, 'NZD', 'en'], KH: [P, 'KHR', 'km'],
  MM: [P, 'MMK', 'my'], MN: [P, 'MNT', 'mn'],
};

export interface CountryInfo {
  region: Region | null;
  currency: string | null;
  language: string | null;
}

const NONE: CountryInfo = Object.freeze({ region: null, currency: null, language: null });

/** Region, currency and language of a country; all null when the country is unknown or unlisted. */
export function countryInfo(country: string | null | undefined): CountryInfo {
  const info = country ? COUNTRY_INFO[country] : undefined;
  if (!info) return NONE;
  return { region: info[0], currency: info[1], language: info[2] };
}
