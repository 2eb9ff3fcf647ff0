import { DateTime } from 'luxon';
import { isPublicHoliday } from '../../core/holidays';
import { enrichPhone, normalizePhone } from '../../core/phone';
import { CONTACT_POLICY } from '../../core/policy/contact-policy';
import { needsExplicitConsent } from '../../core/policy/consent';

/**
 * Numbers whose recipients are inside every marketing window at `at` (10:00–18:00 local, no public
 * holiday in any of its zones): for the demo's scripted handsets and for tests that run campaigns
 * through worker processes on the real clock, where the contact policy's windows apply whatever
 * hour they run. Candidates span the day, so one of
 * them is always open. Each is a mobile range of one country.
 */
// No range in a country where the contact policy counts explicit consent only (its
// consent-explicit-eu: GB, the EU): the demo's rows carry an import's consent, implied, and such a
// pick (London, 10:00-18:00 UTC) had the scripted customers skipped as no_consent. numbersOpenAt
// asks the policy, so a country it adds is passed over too; Lagos covers London's hours.
const CANDIDATES: ReadonlyArray<{ prefix: string; digits: number }> = [
  { prefix: '+234803', digits: 7 }, // Lagos
  { prefix: '+1212555', digits: 4 }, // New York
  { prefix: '+55119', digits: 8 }, // São Paulo
  { prefix: '+1808555', digits: 4 }, // Honolulu
  { prefix: '+819012', digits: 6 }, // Tokyo
  { prefix: '+8613800', digits: 6 }, // Shanghai
  { prefix: '+9198', digits: 8 }, // India
];

export function numbersOpenAt(at: Date, count: number, offset = 0): string[] {
  for (const c of CANDIDATES) {
    const numbers = Array.from({ length: count }, (_, i) => `${c.prefix}${String(offset + i).padStart(c.digits, '0')}`);
    const first = normalizePhone(numbers[0]!, {});
    if (!first.ok) throw new Error(`test number ${numbers[0]} is not valid: ${first.reason}`);
    const e = enrichPhone(first);
    if (!e.country || e.timeZones.length === 0 || needsExplicitConsent(CONTACT_POLICY.consent, e.country)) continue;
    const open = e.timeZones.every((zone) => {
      const local = DateTime.fromJSDate(at, { zone });
      return local.isValid && local.hour >= 10 && local.hour < 18 && !isPublicHoliday(e.country!, null, local.toISODate()!);
    });
    if (open) return numbers;
  }
  throw new Error(`no candidate range is inside its window at ${at.toISOString()}`);
}
