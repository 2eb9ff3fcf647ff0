import { describe, expect, it } from 'vitest';
import vectors from '../fixtures/regional_rules.json';
import sendWindows from '../fixtures/send_windows.json';
import {
  defaultWindowFor,
  intersectPolicies,
  PRODUCT_DEFAULT_WINDOW,
  REGIONAL_RULES,
  rulesFor,
} from '../../core/regional-rules';
import { windowOnDate } from '../../core/send-window';

interface VectorRule {
  id: string;
  region: string;
  applies_to: string[];
  window_local: { start: string; end: string; blocked?: { start: string; end: string }[] } | null;
  max_per_24h: number | null;
  max_per_30d?: number;
  no_send_days: string[] | null;
  citation: string;
  confidence: string;
  note: string;
}
const rules = vectors.rules as VectorRule[];
const regionOf = (v: VectorRule): string => (v.region === 'US (federal)' ? 'US' : v.region);
const ours = (id: string) => {
  const r = REGIONAL_RULES.find((x) => x.id === id);
  if (!r) throw new Error(`rule ${id} missing from REGIONAL_RULES`);
  return r;
};

describe('fixture', () => {
  it('keeps its source', () => {
    expect(vectors.source.search).toContain('Public pages');
    expect(rules.length).toBe(12);
  });
});

describe('the typed table is the vector, rule by rule', () => {
  it('same rules, same order', () => {
    expect(REGIONAL_RULES.map((r) => r.id)).toEqual(rules.map((r) => r.id));
  });

  it.each(rules.map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const r = ours(v.id);
    expect(r.region).toBe(regionOf(v));
    expect([...r.appliesTo]).toEqual(v.applies_to);
    expect(r.maxPer24h).toBe(v.max_per_24h);
    expect(r.maxPer30d).toBe(v.max_per_30d ?? null);
    expect(r.citation).toBe(v.citation);
    expect(r.confidence).toBe(v.confidence);
    expect(r.note).toBe(v.note);
    if (v.window_local === null) {
      expect(r.window).toBeNull();
    } else {
      expect(r.window).toMatchObject({ start: v.window_local.start, end: v.window_local.end });
      expect(r.window!.quietHours ?? []).toEqual(v.window_local.blocked ?? []); // blocked span = quiet hours
    }
    // no_send_days: Saturday/Sunday become a Monday-Friday day filter, public holidays a flag.
    const nsd = v.no_send_days ?? [];
    expect(r.noSendOnPublicHolidays).toBe(nsd.some((d) => d.startsWith('public_holiday')));
    if (nsd.includes('saturday')) expect(r.window!.days).toEqual([1, 2, 3, 4, 5]);
    else expect(r.window?.days).toBeUndefined();
  });
});

describe('defaultWindowFor', () => {
  const tcpa = rules.find((r) => r.id === 'us-tcpa-hours')!.window_local!;

  it('US: TCPA 08:00-21:00 recipient local time', () => {
    const d = defaultWindowFor('US');
    expect(d).toMatchObject({ window: { start: '08:00', end: '21:00' }, statutory: true, maxPer24h: null });
    expect(d.rules.map((r) => r.id)).toEqual(['us-tcpa-hours', 'us-fcc-revocation-10-business-days']);
  });

  // Every US state rule in the vector: effective window = federal ∩ state; the state cap applies.
  const stateRules = rules.filter((r) => r.region.startsWith('US-'));
  it.each(stateRules.map((v) => [v.region, v] as const))('%s (sms): federal ∩ state', (region, v) => {
    const d = defaultWindowFor('US', region.slice(3), 'sms');
    const start = tcpa.start > v.window_local!.start ? tcpa.start : v.window_local!.start;
    const end = tcpa.end < v.window_local!.end ? tcpa.end : v.window_local!.end;
    expect(d.window).toEqual({ start, end });
    expect(d.statutory).toBe(true);
    expect(d.maxPer24h).toBe(v.max_per_24h);
    expect(d.rules.map((r) => r.id)).toContain(v.id); // WA: applied to SMS as a precaution, see the table
  });

  it('FL, OK, MD: 08:00-20:00 and 3 per 24 h; CT starts at 09:00', () => {
    for (const s of ['FL', 'OK', 'MD']) expect(defaultWindowFor('US', s)).toMatchObject({ window: { start: '08:00', end: '20:00' }, maxPer24h: 3 });
    expect(defaultWindowFor('US', 'US-CT').window).toEqual({ start: '09:00', end: '20:00' });
    expect(defaultWindowFor('us', 'tx').window).toEqual({ start: '08:00', end: '21:00' }); // no state rule: federal only
  });

  it('e-mail is outside the TCPA: product default', () => {
    expect(defaultWindowFor('US', 'FL', 'email')).toMatchObject({ window: PRODUCT_DEFAULT_WINDOW, statutory: false, maxPer24h: null });
  });

  it('FR: the call rules (weekdays, 10-13 + 14-20, 4 per 30 days) apply to voice only', () => {
    const voice = defaultWindowFor('FR', undefined, 'voice');
    expect(voice).toMatchObject({
      window: { start: '10:00', end: '20:00', quietHours: [{ start: '13:00', end: '14:00' }], days: [1, 2, 3, 4, 5] },
      statutory: true, maxPer30d: 4, noSendOnPublicHolidays: true,
    });
    const sms = defaultWindowFor('FR', undefined, 'sms');
    expect(sms).toMatchObject({ window: PRODUCT_DEFAULT_WINDOW, statutory: false, maxPer30d: null });
    expect(sms.rules.map((r) => r.id)).toEqual(['eu-eprivacy']);
  });

  it('GB, DE, CN: no statutory hours (consent rules only) -> product default, flagged', () => {
    for (const [c, id] of [['GB', 'gb-pecr'], ['DE', 'de-uwg-7'], ['CN', 'cn-miit-31']] as const) {
      const d = defaultWindowFor(c);
      expect(d).toMatchObject({ window: PRODUCT_DEFAULT_WINDOW, statutory: false });
      expect(d.rules.map((r) => r.id)).toContain(id);
    }
    expect(rulesFor('DE').map((r) => r.id)).toEqual(['de-uwg-7', 'eu-eprivacy']);
  });

  it('intersectPolicies: disjoint windows -> null', () => {
    expect(intersectPolicies({ start: '08:00', end: '10:00' }, { start: '10:00', end: '12:00' })).toBeNull();
  });

  it('the TCPA default gives the vector\'s UTC instants on DST days', () => {
    for (const id of ['tcpa-newyork-dst-start', 'tcpa-honolulu']) {
      const c = sendWindows.cases.find((x) => x.id === id)!;
      const w = windowOnDate(c.date, c.zone, defaultWindowFor('US').window).intervals[0]!;
      expect([w.start.toISOString(), w.end.toISOString()]).toEqual([c.utc_start, c.utc_end].map((s) => s.replace('Z', '.000Z')));
    }
  });
});
