import { describe, expect, it } from 'vitest';
import { numbersOpenAt } from '../../client/demo/open-numbers';
import { enrichPhone, normalizePhone } from '../../core/phone';
import { CONTACT_POLICY } from '../../core/policy/contact-policy';
import { needsExplicitConsent } from '../../core/policy/consent';

// The demo's scripted handsets (and the real-clock tests) take numbers inside their window at the
// hour they run, and the demo's rows carry an import's (implied) consent: at every hour of a day the
// pick must be a country where that consent counts, or the demo's STOP, reply and recovery scenes
// are skipped as no_consent (London's hours did that, 10:00-18:00 UTC).
const HALF_HOURS = Array.from({ length: 48 }, (_, i) => new Date(Date.UTC(2026, 11, 7, 0, 30 * i)));

describe('numbersOpenAt', () => {
  it.each(HALF_HOURS.map((at) => [at.toISOString(), at] as const))('at %s picks numbers where an import\'s consent counts', (_label, at) => {
    const numbers = numbersOpenAt(at, 4, 8831);
    expect(new Set(numbers).size).toBe(4);
    const p = normalizePhone(numbers[0]!, {});
    expect(p.ok).toBe(true);
    const country = p.ok ? enrichPhone(p).country : null;
    expect(needsExplicitConsent(CONTACT_POLICY.consent, country), `${numbers[0]} (${country})`).toBe(false);
  });
});
