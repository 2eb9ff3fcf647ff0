// Legal send-time and frequency rules per region, each with its citation: the contact policy's
// regionalRules (core/policy/contact-policy.v1.json, the one home of these numbers). The table test
// keeps them identical to test/fixtures/regional_rules.json.
//
// Effective window = intersection of every applicable rule's window (US federal + state); where no
// statute sets hours, the product default applies and is reported as such (statutory: false).
import { CONTACT_POLICY, type ContactPolicy, type RegionalRule } from './policy/contact-policy';
import type { TimeRange, WindowPolicy } from './send-window';

export type { RegionalRule };
export type Channel = 'sms' | 'voice' | 'email';

/** Product default where no statute sets hours (the policy's marketing window). */
export const PRODUCT_DEFAULT_WINDOW: WindowPolicy = { start: CONTACT_POLICY.windows.marketing.start, end: CONTACT_POLICY.windows.marketing.end };

export const REGIONAL_RULES: readonly RegionalRule[] = CONTACT_POLICY.regionalRules;

export const EU_MEMBERS: ReadonlySet<string> = new Set('AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK'.split(' '));

export interface RegionalDefault {
  readonly country: string;
  readonly subdivision: string | null;
  readonly channel: Channel;
  readonly window: WindowPolicy;
  /** True when the window comes from law; false when it is the product default. */
  readonly statutory: boolean;
  readonly maxPer24h: number | null;
  readonly maxPer30d: number | null;
  readonly noSendOnPublicHolidays: boolean;
  /** Every applicable rule (hours, caps and consent-only rules), for display and audit. */
  readonly rules: readonly RegionalRule[];
}

/** Whether a rule applies to a channel: by the statute, or as a precaution where coverage is unconfirmed. */
export const ruleCovers = (r: RegionalRule, channel: Channel): boolean => r.appliesTo.includes(channel) || (r.precautionaryFor ?? []).includes(channel);

/** The rules that apply to a recipient in country[/subdivision] on a channel. */
export function rulesFor(country: string, subdivision?: string | null, channel: Channel = 'sms', policy: ContactPolicy = CONTACT_POLICY): RegionalRule[] {
  const c = country.trim().toUpperCase();
  const sub = subdivision?.trim().toUpperCase().replace(new RegExp(`^${c}-`), '') || null;
  const regions = new Set([c, ...(sub ? [`${c}-${sub}`] : []), ...(EU_MEMBERS.has(c) ? ['EU'] : [])]);
  return policy.regionalRules.filter(
    (r) => regions.has(r.region) && ruleCovers(r, channel),
  );
}

const later = (a: string, b: string): string => (a > b ? a : b);
const earlier = (a: string, b: string): string => (a < b ? a : b);

/** The window both policies allow ('HH:mm' strings compare in time order); null when they do not overlap. */
export function intersectPolicies(a: WindowPolicy, b: WindowPolicy): WindowPolicy | null {
  const start = later(a.start, b.start);
  const end = earlier(a.end, b.end);
  if (end <= start) return null;
  const quiet: TimeRange[] = [...(a.quietHours ?? []), ...(b.quietHours ?? [])];
  const days = a.days && b.days ? a.days.filter((d) => b.days!.includes(d)) : (a.days ?? b.days);
  return { start, end, ...(quiet.length ? { quietHours: quiet } : {}), ...(days ? { days } : {}) };
}

const minOf = (values: (number | null)[]): number | null => {
  const xs = values.filter((v): v is number => v !== null);
  return xs.length ? Math.min(...xs) : null;
};

/** Default marketing window and caps for a recipient: the statutory intersection, else the product default. */
export function defaultWindowFor(country: string, subdivision?: string | null, channel: Channel = 'sms'): RegionalDefault {
  const rules = rulesFor(country, subdivision, channel);
  const windows = rules.flatMap((r) => (r.window ? [r.window] : []));
  let window: WindowPolicy | null = windows[0] ?? PRODUCT_DEFAULT_WINDOW;
  for (const w of windows.slice(1)) window = window && intersectPolicies(window, w);
  if (!window) throw new Error(`regional rules for ${country}/${subdivision ?? '-'} leave no common window`);
  const c = country.trim().toUpperCase();
  return {
    country: c,
    subdivision: subdivision?.trim().toUpperCase().replace(new RegExp(`^${c}-`), '') || null,
    channel,
    window,
    statutory: windows.length > 0,
    maxPer24h: minOf(rules.map((r) => r.maxPer24h)),
    maxPer30d: minOf(rules.map((r) => r.maxPer30d)),
    noSendOnPublicHolidays: rules.some((r) => r.noSendOnPublicHolidays),
    rules,
  };
}
