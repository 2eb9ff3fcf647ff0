/**
 * What a stored consent is worth for marketing, by the contact policy's `consent` section: the
 * source's worth (explicit, implied, never), the regions where only explicit consent counts (EU
 * member states, GB) and the countries where SMS marketing needs a double opt-in (DE). Every
 * refusal names the rule that decided, as a SKIP no_consent shows it: `no_consent:<rule id>`.
 *
 * Pure: the policy and the stored consent are passed in.
 */
import { EU_MEMBERS } from '../regional-rules';
import type { ConsentPolicy, PolicyChannel } from './contact-policy';

export type ConsentWorth = 'explicit' | 'implied' | 'never';

/** A consent as stored (consents.source, consents.double_opt_in) for one channel and purpose. */
export interface StoredConsent {
  source: string;
  doubleOptIn: boolean;
}

export type ConsentVerdict = { counts: true } | { counts: false; rule: string };

const COUNTS: ConsentVerdict = { counts: true };

/** 'Web Form', 'web-form', ' WEB_FORM ' -> 'web_form' (the policy's spelling of source names). */
export const normalizeConsentSource = (source: string): string =>
  source
    .trim()
    .toLowerCase()
    .replace(/[\s\-.]+/g, '_');

/** The worth of a source name; a name the policy does not list is worth `unknownSource`. */
export function consentWorth(policy: ConsentPolicy, source: string): ConsentWorth {
  const known = policy.sources[source] ?? policy.sources[normalizeConsentSource(source)];
  return known ? known.worth : policy.unknownSource;
}

/** The rule that refuses a `never` source (e.g. consent-never-purchased-list), else null. */
export function neverRuleOf(policy: ConsentPolicy, source: string): string | null {
  const known = policy.sources[source] ?? policy.sources[normalizeConsentSource(source)];
  if (known) return known.worth === 'never' ? (known.rule ?? policy.required.id) : null;
  return policy.unknownSource === 'never' ? policy.required.id : null;
}

/** Whether only explicit consent counts in this country (an EU member state, GB). */
export function needsExplicitConsent(policy: ConsentPolicy, country: string | null): boolean {
  if (!country) return false;
  return policy.explicitOnly.regions.some((r) => r === country || (r === 'EU' && EU_MEMBERS.has(country)));
}

/** Whether a marketing consent on this channel counts only after a double opt-in in this country (SMS in DE). */
export const needsDoubleOptIn = (policy: ConsentPolicy, country: string | null, channel: PolicyChannel): boolean =>
  country !== null && policy.doubleOptIn.countries.includes(country) && policy.doubleOptIn.channels.includes(channel);

/**
 * Does this stored marketing consent (or none) count for a contact of this country on this
 * channel? The checks in order: a consent at all; a source that never counts (bought or rented
 * lists, in every country); explicit consent where the law asks for it; the double opt-in where
 * the policy turns it on. A contact whose country is unknown is held to no regional rule: the
 * intake sets the country from the number, so that is a number with no country code data.
 */
export function marketingConsent(policy: ConsentPolicy, country: string | null, channel: PolicyChannel, consent: StoredConsent | null): ConsentVerdict {
  if (!consent) return { counts: false, rule: policy.required.id };
  const worth = consentWorth(policy, consent.source);
  if (worth === 'never') return { counts: false, rule: neverRuleOf(policy, consent.source) ?? policy.required.id };
  if (worth !== 'explicit' && needsExplicitConsent(policy, country)) return { counts: false, rule: policy.explicitOnly.id };
  if (needsDoubleOptIn(policy, country, channel) && !consent.doubleOptIn && normalizeConsentSource(consent.source) !== 'double_opt_in')
    return { counts: false, rule: policy.doubleOptIn.id };
  return COUNTS;
}
