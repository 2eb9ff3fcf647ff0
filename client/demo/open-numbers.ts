import { DateTime } from 'luxon';
import { isPublicHoliday } from '../../core/holidays';
import { enrichPhone, normalizePhone } from '../../core/phone';

/**
 * Numbers whose recipients are inside every marketing window at `at` (10:00–18:00 local, no public
 * holiday in any of its zones): for the demo's scripted handsets and for tests that run campaigns
 * through worker processes on the real clock, where the contact policy's windows apply whatever
 * hour they run. Candidates span the day, so one of
 * them is always open. Each is a mobile range of one country.
 */
// No country whose law needs explicit consent (GB, the EU: the contact policy's consent-explicit-eu):
// the demo's sample rows carry an import's consent, implied, and London's hours skipped the demo's
// scripted customers as no_consent (10:00-18:00 UTC). Lagos covers those hours instead.
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
    if (!e.country || e.timeZones.length === 0) continue;
    const open = e.timeZones.every((zone) => {
      const local = DateTime.fromJSDate(at, { zone });
      return local.isValid && local.hour >= 10 && local.hour < 18 && !isPublicHoliday(e.country!, null, local.toISODate()!);
    });
    if (open) return numbers;
  }
  throw new Error(`no candidate range is inside its window at ${at.toISOString()}`);
}
