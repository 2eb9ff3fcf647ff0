import { describe, expect, it } from 'vitest';
import { CONTACT_POLICY, parseContactPolicy } from '../../core/policy/contact-policy';
import { consentWorth, marketingConsent, needsDoubleOptIn, needsExplicitConsent, normalizeConsentSource } from '../../core/policy/consent';
import policyFile from '../../core/policy/contact-policy.v1.json';
import { getCountries } from 'libphonenumber-js/max';

const P = CONTACT_POLICY.consent;
const OK = { counts: true };
const no = (rule: string) => ({ counts: false, rule });

describe('consent sources in the contact policy', () => {
  it('is the last section of the policy file, and lists every source kind with its worth', () => {
    expect(Object.keys(policyFile).at(-1)).toBe('consent');
    expect(Object.fromEntries(Object.entries(P.sources).map(([k, v]) => [k, v.worth]))).toEqual({
      web_form: 'explicit',
      checkout_checkbox: 'explicit',
      double_opt_in: 'explicit',
      sms_keyword: 'explicit',
      import: 'implied',
      pre_ticked: 'implied',
      purchased_list: 'never',
      rented_list: 'never',
    });
    expect(P.unknownSource).toBe('implied');
  });

  it('refuses a "never" source without its rule id, and a rule id used twice', () => {
    const bad = structuredClone(policyFile) as { consent: { sources: Record<string, { rule?: string }> } };
    delete bad.consent.sources.purchased_list!.rule;
    expect(() => parseContactPolicy(bad)).toThrow(/consent\.sources\.purchased_list\.rule/);
    const twice = structuredClone(policyFile) as { consent: { explicitOnly: { id: string } } };
    twice.consent.explicitOnly.id = 'consent-required';
    expect(() => parseContactPolicy(twice)).toThrow(/"consent-required" is used twice/);
  });

  it.each([
    ['web_form', 'web_form'],
    ['Web Form', 'web_form'],
    ['pre-ticked', 'pre_ticked'],
    [' PURCHASED_LIST ', 'purchased_list'],
  ])('normalises source %j to %j', (raw, want) => expect(normalizeConsentSource(raw)).toBe(want));

  it.each([
    ['Purchased List', 'never'],
    ['test', 'implied'],
    ['customers.csv', 'implied'],
    ['checkout-checkbox', 'explicit'],
  ])('source %j is worth %s', (source, worth) => expect(consentWorth(P, source)).toBe(worth));

  it.each([
    ['FR', true],
    ['DE', true],
    ['IE', true],
    ['GB', true],
    ['US', false],
    ['CN', false],
    ['CH', false],
    [null, false],
  ] as const)('explicit consent only in %s: %s', (country, want) => expect(needsExplicitConsent(P, country)).toBe(want));
});

// Each source kind x EU (FR) / GB / US / CN, SMS marketing, not double-opted-in.
const MATRIX: Array<[source: string, fr: object, gb: object, us: object, cn: object]> = [
  ['web_form', OK, OK, OK, OK],
  ['checkout_checkbox', OK, OK, OK, OK],
  ['double_opt_in', OK, OK, OK, OK],
  ['sms_keyword', OK, OK, OK, OK],
  ['import', no('consent-explicit-eu'), no('consent-explicit-eu'), OK, OK],
  ['pre_ticked', no('consent-explicit-eu'), no('consent-explicit-eu'), OK, OK],
  ['test', no('consent-explicit-eu'), no('consent-explicit-eu'), OK, OK],
  ['purchased_list', no('consent-never-purchased-list'), no('consent-never-purchased-list'), no('consent-never-purchased-list'), no('consent-never-purchased-list')],
  ['rented_list', no('consent-never-rented-list'), no('consent-never-rented-list'), no('consent-never-rented-list'), no('consent-never-rented-list')],
];

describe('marketingConsent(): does a stored consent count', () => {
  for (const [source, fr, gb, us, cn] of MATRIX)
    for (const [country, want] of [['FR', fr], ['GB', gb], ['US', us], ['CN', cn]] as const)
      it(`${source} in ${country}`, () => {
        expect(marketingConsent(P, country, 'sms', { source, doubleOptIn: false })).toEqual(want);
        expect(marketingConsent(P, country, 'email', { source, doubleOptIn: false })).toEqual(want);
      });

  it('no consent stored: consent-required, in every country', () => {
    for (const country of ['FR', 'GB', 'US', 'CN', null]) expect(marketingConsent(P, country, 'sms', null)).toEqual(no('consent-required'));
  });

  it('a double opt-in does not make a bought list consent', () => {
    expect(marketingConsent(P, 'US', 'sms', { source: 'purchased_list', doubleOptIn: true })).toEqual(no('consent-never-purchased-list'));
  });

  it('a double opt-in does not make a pre-ticked box explicit in the EU', () => {
    expect(marketingConsent(P, 'FR', 'sms', { source: 'pre_ticked', doubleOptIn: true })).toEqual(no('consent-explicit-eu'));
  });
});

describe('double opt-in for SMS marketing where the policy turns it on (DE)', () => {
  it('is on for SMS in DE only', () => {
    expect(P.doubleOptIn.countries).toEqual(['DE']);
    expect(needsDoubleOptIn(P, 'DE', 'sms')).toBe(true);
    expect(needsDoubleOptIn(P, 'DE', 'email')).toBe(false);
    expect(needsDoubleOptIn(P, 'FR', 'sms')).toBe(false);
    expect(needsDoubleOptIn(P, null, 'sms')).toBe(false);
  });

  it.each([
    ['web_form, no YES yet', { source: 'web_form', doubleOptIn: false }, 'sms', no('consent-double-opt-in')],
    ['web_form, after YES', { source: 'web_form', doubleOptIn: true }, 'sms', OK],
    ['checkout_checkbox, after YES', { source: 'checkout_checkbox', doubleOptIn: true }, 'sms', OK],
    ['source double_opt_in', { source: 'double_opt_in', doubleOptIn: false }, 'sms', OK],
    ['e-mail needs no double opt-in', { source: 'web_form', doubleOptIn: false }, 'email', OK],
    ['pre_ticked, after YES: still not explicit', { source: 'pre_ticked', doubleOptIn: true }, 'sms', no('consent-explicit-eu')],
    ['purchased_list, after YES', { source: 'purchased_list', doubleOptIn: true }, 'sms', no('consent-never-purchased-list')],
  ] as const)('DE: %s', (_name, consent, channel, want) => expect(marketingConsent(P, 'DE', channel, consent)).toEqual(want));

  it('a policy that turns it on for the US holds US SMS to it too', () => {
    const us = { ...P, doubleOptIn: { ...P.doubleOptIn, countries: ['DE', 'US'] } };
    expect(marketingConsent(us, 'US', 'sms', { source: 'import', doubleOptIn: false })).toEqual(no('consent-double-opt-in'));
    expect(marketingConsent(us, 'US', 'sms', { source: 'import', doubleOptIn: true })).toEqual(OK);
  });
});

describe('a bought or rented list is never marketing consent, in any country', () => {
  // Every region libphonenumber knows, the policy's explicit-only and double-opt-in countries
  // among them, and a contact whose country is unknown; every channel; the source however spelled;
  // with and without a double opt-in recorded.
  const countries: Array<string | null> = [...getCountries(), null];
  const sources = [
    ['purchased_list', 'consent-never-purchased-list'],
    ['Purchased List', 'consent-never-purchased-list'],
    ['rented_list', 'consent-never-rented-list'],
    ['rented-list', 'consent-never-rented-list'],
  ] as const;
  it.each(sources)('%s is refused by its rule everywhere', (source, rule) => {
    expect(countries.length).toBeGreaterThan(200);
    const counted = countries.flatMap((country) =>
      (['sms', 'email'] as const).flatMap((channel) =>
        [false, true].flatMap((doubleOptIn) => {
          const v = marketingConsent(P, country, channel, { source, doubleOptIn });
          return v.counts || v.rule !== rule ? [`${country}/${channel}/${doubleOptIn}: ${JSON.stringify(v)}`] : [];
        }),
      ),
    );
    expect(counted).toEqual([]);
  });
});
