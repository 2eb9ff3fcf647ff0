import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCampaign } from '../../core/campaign/definition';
import { checkCampaign } from '../../core/policy/check';
import { CONTACT_POLICY, ContactPolicyError, parseContactPolicy } from '../../core/policy/contact-policy';
import { capRulesFor, effectiveHolidays, effectiveWindow, windowSources, type CampaignTerms, type Place } from '../../core/policy/effective';
import policyFile from '../../core/policy/contact-policy.v1.json';
import { readSource, sourceFiles as sources, withoutComments as code } from '../helpers/source-files';

const TERMS: CampaignTerms = { category: 'marketing', urgent: false, window: null, countryWindows: {}, holidays: null, workingDaysOnly: false, caps: undefined };
const terms = (over: Partial<CampaignTerms> = {}): CampaignTerms => ({ ...TERMS, ...over });
const at = (country: string | null, subdivision: string | null = null): Place => ({ country, subdivision });
const span = (w: { start: string; end: string }) => `${w.start}-${w.end}`;

describe('the policy file', () => {
  it('validates, and names every rule by a unique id', () => {
    expect(CONTACT_POLICY.version).toBe('contact-policy.v1');
    expect(CONTACT_POLICY.windows.marketing).toMatchObject({ id: 'product-default-window', start: '09:00', end: '21:00' });
    expect(CONTACT_POLICY.tiers.A.cadence.everyDays).toBe(7);
    expect(CONTACT_POLICY.tiers.B.cadence.everyDays).toBe(14);
    expect(CONTACT_POLICY.tiers.C.cadence.everyDays).toBe(30);
    expect(CONTACT_POLICY.tiers.D.cadence.everyDays).toBeNull();
  });

  it.each([
    ['a duplicated rule id', (p: any) => (p.caps.marketing[1].id = p.caps.marketing[0].id), /used twice/],
    ['tier D with a channel', (p: any) => (p.tiers.D.channel = 'sms'), /tier D is no contact/],
    ['a window that ends before it starts', (p: any) => (p.windows.marketing.end = '08:00'), /windows\.marketing\.end: must be after start/],
    ['a bad time', (p: any) => (p.windows.marketing.start = '9:00'), /must be HH:mm/],
    ['holidays ignored for marketing', (p: any) => (p.holidays.marketing = 'ignore'), /holidays\.marketing/],
    ['an unknown key', (p: any) => (p.extra = 1), /extra/],
  ])('refuses %s, naming the path', (_name, breakIt, message) => {
    const copy = structuredClone(policyFile);
    breakIt(copy);
    expect(() => parseContactPolicy(copy, 'test')).toThrow(ContactPolicyError);
    expect(() => parseContactPolicy(copy, 'test')).toThrow(message);
  });
});

describe('windowSources + effectiveWindow: the campaign tightens, never loosens', () => {
  it.each([
    ['marketing, GB, no campaign window: the product default', terms(), at('GB'), 'sms', '09:00-21:00', ['product-default-window']],
    ['marketing, US-NY SMS: TCPA and the product default', terms(), at('US', 'NY'), 'sms', '09:00-21:00', ['us-tcpa-hours', 'product-default-window']],
    ['marketing, US-FL SMS: the state rule first', terms(), at('US', 'FL'), 'sms', '09:00-20:00', ['us-fl-ftsa', 'us-tcpa-hours', 'product-default-window']],
    ['marketing, US-CT SMS: 09:00-20:00', terms(), at('US', 'CT'), 'sms', '09:00-20:00', ['us-ct-pa-23-98', 'us-tcpa-hours', 'product-default-window']],
    ['marketing, US-WA SMS: applied as a precaution', terms(), at('US', 'WA'), 'sms', '09:00-20:00', ['us-wa-rcw-19-158-040', 'us-tcpa-hours', 'product-default-window']],
    ['marketing, US-FL e-mail: the state rule covers calls and texts only', terms(), at('US', 'FL'), 'email', '09:00-21:00', ['product-default-window']],
    ['marketing, US state unknown: every US state rule', terms(), at('US'), 'sms', '09:00-20:00', null],
    ['marketing, FR SMS: the calls rule does not apply', terms(), at('FR'), 'sms', '09:00-21:00', ['product-default-window']],
    ['marketing, a 07:00-23:00 campaign is clamped', terms({ window: { start: '07:00', end: '23:00' } }), at('US', 'NY'), 'sms', '09:00-21:00', ['us-tcpa-hours', 'product-default-window', 'campaign-window']],
    ['marketing, a 10:00-18:00 campaign tightens', terms({ window: { start: '10:00', end: '18:00' } }), at('GB'), 'sms', '10:00-18:00', ['product-default-window', 'campaign-window']],
    ['marketing, a country window replaces the campaign window for that country only', terms({ window: { start: '10:00', end: '18:00' }, countryWindows: { US: { start: '08:00', end: '23:00' } } }), at('US', 'NY'), 'sms', '09:00-21:00', ['us-tcpa-hours', 'product-default-window', 'campaign-window']],
    ['transactional, non-urgent: the night window only', terms({ category: 'transactional' }), at('US', 'FL'), 'sms', '07:00-22:00', ['transactional-night']],
    ['transactional, urgent: no window at all', terms({ category: 'transactional', urgent: true }), at('US', 'FL'), 'sms', '00:00-24:00', []],
    ['transactional, urgent, its own window', terms({ category: 'transactional', urgent: true, window: { start: '06:00', end: '23:00' } }), at('CN'), 'sms', '06:00-23:00', ['campaign-window']],
  ] as const)('%s', (_name, t, place, channel, want, ids) => {
    const sources = windowSources(CONTACT_POLICY, t, place, channel);
    const eff = effectiveWindow(sources);
    expect('window' in eff && span(eff.window)).toBe(want);
    if (ids) expect(sources.map((s) => s.id)).toEqual(ids);
  });

  it('a campaign window outside every allowed hour is a conflict naming the windows', () => {
    const sources = windowSources(CONTACT_POLICY, terms({ window: { start: '22:00', end: '23:00' } }), at('GB'), 'sms');
    expect(effectiveWindow(sources)).toEqual({ conflict: ['product-default-window', 'campaign-window'] });
  });
});

describe('capRulesFor: the policy caps, the tier cadence, regional caps and the campaign own, added up', () => {
  const ids = (t: CampaignTerms, place: Place, tier: 'A' | 'B' | 'C' | 'D') => capRulesFor(CONTACT_POLICY, t, place, tier).map((c) => `${c.id}/${c.channel}/${c.max}/${c.perHours}`);
  it.each([
    ['tier A in GB', terms(), at('GB'), 'A', ['sms-daily/sms/1/24', 'sms-weekly/sms/2/168', 'email-weekly/email/3/168', 'tier-cadence-A/any/1/168']],
    ['tier B in GB: every two weeks', terms(), at('GB'), 'B', ['sms-daily/sms/1/24', 'sms-weekly/sms/2/168', 'email-weekly/email/3/168', 'tier-cadence-B/any/1/336']],
    ['tier C in Florida: monthly, and Florida 3 SMS per 24 h', terms(), at('US', 'FL'), 'C', ['sms-daily/sms/1/24', 'sms-weekly/sms/2/168', 'email-weekly/email/3/168', 'tier-cadence-C/any/1/720', 'us-fl-ftsa/sms/3/24']],
    ['tier D: no cadence (the decision skips it)', terms(), at('GB'), 'D', ['sms-daily/sms/1/24', 'sms-weekly/sms/2/168', 'email-weekly/email/3/168']],
    ['a campaign cap is added, never replaces', terms({ caps: { sms: [{ max: 10, perHours: 24 }] } }), at('GB'), 'A', ['sms-daily/sms/1/24', 'sms-weekly/sms/2/168', 'email-weekly/email/3/168', 'tier-cadence-A/any/1/168', 'campaign-cap/sms/10/24']],
    ['transactional: none', terms({ category: 'transactional' }), at('US', 'FL'), 'A', []],
  ] as const)('%s', (_name, t, place, tier, want) => {
    expect(ids(t, place, tier)).toEqual(want);
  });

  it('a US number whose state is unknown gets every state cap', () => {
    expect(ids(terms(), at('US'), 'A').filter((x) => x.startsWith('us-'))).toEqual(['us-fl-ftsa/sms/3/24', 'us-ok-tsa-2022/sms/3/24', 'us-md-stop-the-spam-calls-2023/sms/3/24']);
  });
});

describe('effectiveHolidays: marketing takes the stricter of policy and campaign', () => {
  it.each([
    ['marketing, nothing asked', terms(), 'defer'],
    ['marketing, ignore asked: clamped', terms({ holidays: 'ignore' }), 'defer'],
    ['marketing, skip asked: stricter, kept', terms({ holidays: 'skip' }), 'skip'],
    ['transactional, nothing asked: holidays do not hold it', terms({ category: 'transactional' }), null],
    ['transactional, defer asked', terms({ category: 'transactional', holidays: 'defer' }), 'defer'],
  ] as const)('%s', (_name, t, want) => {
    expect(effectiveHolidays(CONTACT_POLICY, t)).toBe(want);
  });
});

describe('checkCampaign: what the policy clamps, with the rule', () => {
  const TEMPLATES = { sms: { en: 'Sale {{name}}' }, email: { en: { subject: 'Sale', text: 'Sale' } } };
  const def = (over: Record<string, unknown>) => parseCampaign({ name: 'x', category: 'marketing', templates: TEMPLATES, ...over });
  const rules = (over: Record<string, unknown>) => checkCampaign(CONTACT_POLICY, def(over)).map((c) => `${c.field} ${c.rule}`);

  it('the loose campaign of the issue: window, caps, holidays, tier D', () => {
    expect(rules({ window: { start: '07:00', end: '23:00' }, caps: { sms: [{ max: 10, perHours: 24 }] }, holidays: 'ignore', channels: { D: 'sms' } })).toEqual([
      'window product-default-window',
      'window us-fl-ftsa',
      'window us-ok-tsa-2022',
      'window us-md-stop-the-spam-calls-2023',
      'window us-ct-pa-23-98',
      'window us-wa-rcw-19-158-040',
      'holidays holidays',
      'caps.sms sms-daily',
      'channels.D tier-cadence-D',
    ]);
  });

  it('a campaign that only tightens is not clamped', () => {
    expect(rules({ window: { start: '10:00', end: '18:00' }, caps: { sms: [{ max: 1, perHours: 48 }] }, holidays: 'skip' })).toEqual([]);
  });

  it('an e-mail-only campaign is not clamped by rules for calls and texts', () => {
    const c = parseCampaign({ name: 'x', category: 'marketing', templates: { email: TEMPLATES.email }, channels: { A: 'email' }, window: { start: '09:00', end: '21:00' } });
    expect(checkCampaign(CONTACT_POLICY, c)).toEqual([]);
  });

  it('a country window is checked against that country only', () => {
    expect(rules({ countryWindows: { US: { start: '08:00', end: '21:00' } } })).toEqual([
      'countryWindows.US product-default-window',
      'countryWindows.US us-fl-ftsa',
      'countryWindows.US us-ok-tsa-2022',
      'countryWindows.US us-md-stop-the-spam-calls-2023',
      'countryWindows.US us-ct-pa-23-98',
      'countryWindows.US us-wa-rcw-19-158-040',
    ]);
    expect(rules({ countryWindows: { US: { start: '09:00', end: '20:00' } } })).toEqual([]);
    expect(rules({ countryWindows: { GB: { start: '09:00', end: '21:00' } } })).toEqual([]);
  });
});

// ---------- one home per rule ----------


/** A send-window time ('09:00', except the bounds of a whole day) or a cap / cadence number in code. */
function ruleNumbers(text: string): string[] {
  const c = code(text);
  const found: string[] = [];
  for (const m of c.matchAll(/['"`]([0-2]\d:[0-5]\d)['"`]/g)) if (m[1] !== '00:00' && m[1] !== '24:00') found.push(m[0]);
  for (const m of c.matchAll(/\b(perHours|everyDays|maxPer24h|maxPer30d)\s*:\s*\d/g)) found.push(m[0]);
  for (const m of c.matchAll(/\bmax\s*:\s*\d+\s*,\s*perHours/g)) found.push(m[0]);
  return found;
}

describe('one home per rule: no send-window or cap number outside the contact policy', () => {
  const files = ['core', 'activities', 'db', 'server', 'workflows', 'channels'].flatMap(sources).filter((f) => !f.startsWith(path.join('core', 'policy') + path.sep));

  it('scans the code that decides and sends', () => {
    expect(files.length).toBeGreaterThan(80);
    expect(files).toContain(path.join('activities', 'campaign.ts'));
  });

  it('finds none', () => {
    const offenders = files.flatMap((f) => ruleNumbers(readSource(f)).map((n) => `${f}: ${n}`));
    expect(offenders).toEqual([]);
  });

  it('the scanner sees a second copy of a rule, and ignores comments', () => {
    expect(ruleNumbers(`export const W = { start: '09:00', end: '20:00' };`)).toEqual([`'09:00'`, `'20:00'`]);
    expect(ruleNumbers('const caps = [{ max: 1, perHours: 24 }];')).toEqual(['perHours: 2', 'max: 1, perHours']);
    expect(ruleNumbers(`const cadence = { everyDays: 7 };`)).toEqual(['everyDays: 7']);
    expect(ruleNumbers(`// a lunch break '12:00'–'13:30'\n/* '09:00' */ const ALWAYS = { start: '00:00', end: '24:00' };`)).toEqual([]);
  });
});
