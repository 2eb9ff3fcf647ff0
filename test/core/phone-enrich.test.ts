import { isSupportedCountry } from 'libphonenumber-js/max';
import { DateTime, IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  clearPhoneEnrichmentCache,
  COUNTRY_INFO,
  countryInfo,
  countryLevelTimeZones,
  enrichPhone,
  LANGUAGE_OVERRIDES,
  normalizePhone,
  phoneEnrichmentCacheSize,
  timeZonesFor,
  TZ_DATA_VERSION,
  UNKNOWN_TIME_ZONE,
  type CountryCode,
  type PhoneOk,
} from '../../core/phone';
import { allMappedTimeZones, timeZonePrefixCount } from '../../core/phone/timezones';
import { TZ_PREFIX_COUNT } from '../../core/phone/tzdata';
import normalization from '../fixtures/phone_normalization.json';
import tzVectors from '../fixtures/phone_timezones.json';

// Fixture: test/fixtures/phone_timezones.json, an unchanged copy of shared/vectors (see its `source`:
// Python phonenumbers 9.0.43 time_zones_for_number, cross-checked with libphonenumber-geo-carrier).

interface TzCase {
  id: string;
  e164: string;
  type: string;
  zones: string[];
  libphonenumber_geo_carrier_zones?: string[] | null;
  note?: string;
}

const tzCases = tzVectors.cases as TzCase[];
/** The successful expectations of phone_normalization.json. */
const normalizedOk = (normalization.cases as Array<{ expect: { e164?: string; country?: string } }>).flatMap(
  (c) => (c.expect.e164 && c.expect.country ? [{ e164: c.expect.e164, country: c.expect.country }] : []),
);
const sorted = (zones: readonly string[]) => [...zones].sort();

describe('phone_timezones.json vectors', () => {
  it('has the 58 cases, its source line, and our data is the same libphonenumber release', () => {
    expect(tzCases).toHaveLength(58);
    expect(tzVectors.source).toMatch(/phonenumbers 9\.0\.43/);
    expect(TZ_DATA_VERSION).toBe('9.0.43');
  });

  it.each(tzCases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    // compare as a set, as the vector's description says
    expect(sorted(enrichPhone(c.e164).timeZones)).toEqual(sorted(c.zones));
    expect(sorted(enrichPhone(c.e164, { cache: false }).timeZones)).toEqual(sorted(c.zones));
    // intake path: normalise once, enrich from the parse result (no second parse)
    const n = normalizePhone(c.e164, {});
    if (c.type === 'UNKNOWN') {
      expect(n).toMatchObject({ ok: false, reason: 'invalid_for_region' });
    } else {
      expect(n.ok).toBe(true);
      if (n.ok) {
        expect(n.type.toUpperCase()).toBe(c.type);
        expect(sorted(enrichPhone(n).timeZones)).toEqual(sorted(c.zones));
      }
    }
  });
});

/**
 * Verdicts on the 8 cases where libphonenumber-geo-carrier 2.0.0 disagrees with the vector.
 * In all 8 the vector (libphonenumber's own mapper) is right and so are we.
 */
const GEO_CARRIER_VERDICTS: Record<string, string> = {
  'gb-mobile':
    'algorithm, not data: geo-carrier answers the raw longest prefix +4474 (3 zones, no Jersey); UK ' +
    'mobiles are not geographic so libphonenumber returns the +44 country list (with Jersey). The ' +
    "vector note's guess (a different data release) is wrong: +44 and +4474 are identical in both.",
  'ca-nl-709':
    'data: libphonenumber 9.0.43 has Halifax, geo-carrier ships an older map with Puerto_Rico. Halifax ' +
    'is right: Labrador keeps Atlantic time WITH daylight saving (America/Goose_Bay = Halifax offsets), ' +
    'Puerto_Rico has no DST and is an hour off all summer.',
  'au-mobile': 'algorithm: AU mobiles are not geographic -> +61 country list, not the raw +614 prefix.',
  'ru-mobile': 'algorithm: RU mobiles are not geographic -> +7 country list, not the raw +79 prefix.',
  'kz-mobile': 'algorithm: KZ mobiles are not geographic -> +7 country list, not the raw +77 prefix.',
  'intl-freephone-800': 'API: libphonenumber says Etc/Unknown where geo-carrier returns null.',
  'unknown-invalid-us-1xx': 'algorithm: invalid numbers get Etc/Unknown; geo-carrier skips validation.',
  'unknown-invalid-cn': 'algorithm: invalid numbers get Etc/Unknown; geo-carrier skips validation.',
};

describe('libphonenumber-geo-carrier disagreements: the vector is right', () => {
  const disputed = tzCases.filter((c) => 'libphonenumber_geo_carrier_zones' in c);

  it('covers exactly the disputed cases', () => {
    expect(disputed.map((c) => c.id).sort()).toEqual(Object.keys(GEO_CARRIER_VERDICTS).sort());
  });

  it.each(disputed.map((c) => [c.id, c] as const))('%s', (id, c) => {
    expect(GEO_CARRIER_VERDICTS[id]).toBeTruthy();
    const ours = sorted(enrichPhone(c.e164).timeZones);
    expect(ours).toEqual(sorted(c.zones));
    expect(ours).not.toEqual(c.libphonenumber_geo_carrier_zones ? sorted(c.libphonenumber_geo_carrier_zones) : null);
  });

  it('gb-mobile: the raw prefix lookup reproduces geo-carrier from OUR data (so it is the algorithm)', () => {
    expect(sorted(timeZonesFor('44', '447400123456', 'fixed_line'))).toEqual([
      'Europe/Guernsey',
      'Europe/Isle_of_Man',
      'Europe/London',
    ]);
    expect(sorted(countryLevelTimeZones('44'))).toContain('Europe/Jersey');
  });

  it('ca-nl-709: Labrador (Goose_Bay) follows Halifax in summer and winter, Puerto_Rico does not', () => {
    for (const iso of ['2026-01-15T12:00:00Z', '2026-07-15T12:00:00Z']) {
      const at = (zone: string) => DateTime.fromISO(iso, { zone }).offset;
      expect(at('America/Goose_Bay')).toBe(at('America/Halifax'));
    }
    const july = (zone: string) => DateTime.fromISO('2026-07-15T12:00:00Z', { zone }).offset;
    expect(july('America/Puerto_Rico')).not.toBe(july('America/Goose_Bay'));
  });
});

describe('multi-zone prefixes and unknowns', () => {
  const rows: ReadonlyArray<readonly [string, string, string[]]> = [
    ['+61 8 (WA + SA/NT)', '+61892345678', ['Australia/Adelaide', 'Australia/Perth']],
    ['+1 907 Alaska area default', '+19075550123', ['America/Adak', 'America/Anchorage']],
    ['+1 709 Newfoundland & Labrador', '+17095550123', ['America/Halifax', 'America/St_Johns']],
    ['+1 850 exchange level', '+18502000000', ['America/Chicago']],
    ['+55 mobile is geographic (DDD 92)', '+5592981234567', ['America/Manaus']],
    ['+62 Papua fixed', '+62967123456', ['Asia/Jayapura']],
    ['+86 Urumqi is Asia/Shanghai', '+869911234567', ['Asia/Shanghai']],
    ['+800 freephone: no data', '+80012345678', [UNKNOWN_TIME_ZONE]],
    ['invalid number', '+8612012345678', [UNKNOWN_TIME_ZONE]],
  ];
  it.each(rows)('%s: %s', (_n, e164, zones) => {
    expect(sorted(enrichPhone(e164).timeZones)).toEqual(sorted(zones));
  });

  it('+7 mobiles get all 16 zones of the +7 list', () => {
    expect(enrichPhone('+79123456789').timeZones).toHaveLength(16);
  });

  it('+1 toll free gets the 42 NANP zones', () => {
    expect(enrichPhone('+18002345678').timeZones).toHaveLength(42);
  });
});

describe('country -> region, currency, language', () => {
  const rows: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
    ['+8613123456789', { country: 'CN', region: 'APAC', currency: 'CNY', language: 'zh' }],
    ['+12015550123', { country: 'US', region: 'AMER', currency: 'USD', language: 'en' }],
    ['+15062345678', { country: 'CA', region: 'AMER', currency: 'CAD', language: 'en' }],
    ['+447400123456', { country: 'GB', region: 'EMEA', currency: 'GBP', language: 'en' }],
    ['+4915123456789', { country: 'DE', region: 'EMEA', currency: 'EUR', language: 'de' }],
    ['+34612345678', { country: 'ES', region: 'EMEA', currency: 'EUR', language: 'es' }],
    ['+5511961234567', { country: 'BR', region: 'AMER', currency: 'BRL', language: 'pt' }],
    ['+819012345678', { country: 'JP', region: 'APAC', currency: 'JPY', language: 'ja' }],
    ['+85251234567', { country: 'HK', region: 'APAC', currency: 'HKD', language: 'zh' }],
    ['+77710009998', { country: 'KZ', region: 'EMEA', currency: 'KZT', language: 'ru' }],
    ['+971501234567', { country: 'AE', region: 'EMEA', currency: 'AED', language: 'ar' }],
    ['+918123456789', { country: 'IN', region: 'APAC', currency: 'INR', language: 'en' }],
    // listed nowhere in the table: null fields, zones still known
    ['+376312345', { country: 'AD', region: null, currency: null, language: null, timeZones: ['Europe/Andorra'] }],
    // non-geographic entity
    ['+80012345678', { country: null, region: null, currency: null, language: null }],
    // invalid number: the calling code still names the country, the zone is unknown
    ['+8612012345678', { country: 'CN', currency: 'CNY', timeZones: [UNKNOWN_TIME_ZONE] }],
  ];
  it.each(rows)('%s', (e164, want) => {
    expect(enrichPhone(e164)).toMatchObject(want);
  });

  it.each(['', 'garbage', '13123456789', '+999 123'])('unparseable %j: null fields, Etc/Unknown, no throw', (s) => {
    expect(enrichPhone(s)).toEqual({
      country: null,
      region: null,
      currency: null,
      language: null,
      timeZones: [UNKNOWN_TIME_ZONE],
    });
  });

  it('every country in the vectors is in the table', () => {
    const countries = new Set<string>();
    for (const c of normalizedOk) countries.add(c.country);
    for (const c of tzCases) {
      const e = enrichPhone(c.e164);
      if (e.country) countries.add(e.country);
    }
    expect([...countries].filter((c) => !COUNTRY_INFO[c])).toEqual([]);
    expect(Object.keys(COUNTRY_INFO).length).toBeGreaterThanOrEqual(60);
  });

  it('table countries are libphonenumber regions and currencies are ISO 4217 codes Intl knows', () => {
    const currencies = new Set(Intl.supportedValuesOf('currency'));
    for (const [country, [, currency]] of Object.entries(COUNTRY_INFO)) {
      expect(isSupportedCountry(country), country).toBe(true);
      expect(currencies.has(currency), `${country} ${currency}`).toBe(true);
    }
  });

  it("languages are CLDR's likely language per country, except the documented overrides", () => {
    for (const [country, [, , language]] of Object.entries(COUNTRY_INFO)) {
      const cldr = new Intl.Locale(`und-${country}`).maximize().language;
      const override = LANGUAGE_OVERRIDES[country];
      if (override) {
        expect([country, cldr, language]).toEqual([country, override.cldr, override.used]);
      } else {
        expect([country, language]).toEqual([country, cldr]);
      }
    }
  });

  it('countryInfo of unknown input is all null', () => {
    expect(countryInfo(null)).toEqual({ region: null, currency: null, language: null });
    expect(countryInfo('ZZ')).toEqual({ region: null, currency: null, language: null });
  });
});

describe('time-zone data', () => {
  it('holds every prefix of the generated map', () => {
    expect(timeZonePrefixCount()).toBe(TZ_PREFIX_COUNT);
    expect(TZ_PREFIX_COUNT).toBe(3240);
  });

  it('every zone name is one luxon accepts (incl. legacy Asia/Calcutta); Etc/Unknown is not', () => {
    const rejected = [...allMappedTimeZones()].filter((z) => !IANAZone.isValidZone(z));
    expect(rejected).toEqual([]);
    expect(allMappedTimeZones().has('Asia/Calcutta')).toBe(true);
    expect(IANAZone.isValidZone(UNKNOWN_TIME_ZONE)).toBe(false);
  });
});

describe('enrichment prefix cache', () => {
  const inputs: string[] = [
    ...tzCases.map((c) => c.e164),
    ...normalizedOk.map((c) => c.e164),
  ];

  it('gives the same answer as the uncached path for every vector number (cold and warm)', () => {
    clearPhoneEnrichmentCache();
    for (const pass of ['cold', 'warm']) {
      for (const e164 of inputs) {
        expect([pass, e164, enrichPhone(e164)]).toEqual([pass, e164, enrichPhone(e164, { cache: false })]);
        const n = normalizePhone(e164, {});
        if (n.ok) expect(enrichPhone(n)).toEqual(enrichPhone(n, { cache: false }));
      }
    }
    expect(phoneEnrichmentCacheSize()).toBeGreaterThan(0);
    expect(phoneEnrichmentCacheSize()).toBeLessThan(inputs.length);
  });

  it('shares one entry per significant prefix but keeps exchange-level answers apart', () => {
    clearPhoneEnrichmentCache();
    const a = enrichPhone('+12125550123');
    const b = enrichPhone('+12125550199');
    expect(b).toBe(a); // same 7-digit NANP prefix +1212555: one cached object
    expect(enrichPhone('+18505550123').timeZones).toEqual(['America/New_York']);
    expect(enrichPhone('+18502000000').timeZones).toEqual(['America/Chicago']);
    expect(enrichPhone('+19072090000').timeZones).toEqual(['America/Juneau']);
    expect(enrichPhone('+19075550123').timeZones).toEqual(['America/Adak', 'America/Anchorage']);
  });

  it('results are frozen so a shared cache entry cannot be corrupted', () => {
    const e = enrichPhone('+8613123456789');
    expect(Object.isFrozen(e)).toBe(true);
    expect(Object.isFrozen(e.timeZones)).toBe(true);
  });

  it('enriching a PhoneOk uses its type and country as given (no second parse)', () => {
    const parsed: PhoneOk = {
      ok: true,
      e164: '+61412345678',
      country: 'AU' as CountryCode,
      callingCode: '61',
      nationalNumber: '412345678',
      type: 'fixed_line', // deliberately not what a parse would say (mobile)
    };
    expect(enrichPhone(parsed, { cache: false }).timeZones).toEqual(['Australia/Sydney']);
    expect(enrichPhone('+61412345678').timeZones).toHaveLength(8);
  });
});
