import { describe, expect, it } from 'vitest';
import { definitionProblems } from '../helpers/definition-problems';
import { campaignSchema, channelsOf, parseCampaign } from '../../core/campaign/definition';
import { rulesOf } from '../../core/campaign/decision';

const TEMPLATES = {
  sms: { en: '{{brand}}: 20% off today, {{name}}. Reply STOP to opt out' },
  email: { en: { subject: '{{brand}} spring sale', text: 'Hi {{name}}. Unsubscribe: {{unsubscribe_url}}' } },
};
const MINIMAL = { name: 'spring sale', category: 'marketing', templates: TEMPLATES } as const;

const problems = definitionProblems;

describe('parseCampaign: a minimal valid definition gets the documented defaults', () => {
  it('fills every default', () => {
    expect(parseCampaign(MINIMAL)).toEqual({
      name: 'spring sale',
      category: 'marketing',
      brand: 'reachloop',
      audience: {},
      channels: {},
      fallback: true,
      templates: TEMPLATES,
      defaultLanguage: 'en',
      countryWindows: {},
      workingDaysOnly: false,
      urgent: false,
      rateLimit: {},
      requireApproval: false,
    });
  });

  it("tier channels default to the contact policy's: A sms, B email, C email, D none", () => {
    expect(channelsOf(parseCampaign(MINIMAL))).toEqual({ A: 'sms', B: 'email', C: 'email', D: 'none' });
    expect(rulesOf(parseCampaign(MINIMAL)).channels).toEqual({ A: 'sms', B: 'email', C: 'email', D: 'none' });
    expect(rulesOf(parseCampaign({ ...MINIMAL, channels: { B: 'sms' } })).channels).toEqual({ A: 'sms', B: 'sms', C: 'email', D: 'none' });
  });

  it('an e-mail-only campaign is valid once no tier points at SMS', () => {
    const c = parseCampaign({ ...MINIMAL, templates: { email: TEMPLATES.email }, channels: { A: 'email' } });
    expect([...rulesOf(c).templated]).toEqual(['email']);
  });

  it('accepts a full definition unchanged', () => {
    const full = {
      ...MINIMAL,
      brand: 'Acme',
      audience: { tiers: ['A', 'B'], tags: ['vip'], countries: ['CN', 'US'], contactIds: [1, 2], limit: 1000 },
      channels: { A: 'sms', B: 'email', C: 'none', D: 'none' },
      fallback: false,
      templates: { sms: { en: 'Hi {{ name }}', 'zh-CN': '{{brand}}：您好 回复T退订' }, email: { en: { ...TEMPLATES.email.en, html: '<p>Hi {{name}}</p>' } } },
      defaultLanguage: 'zh-CN',
      window: { start: '09:00', end: '21:00', quietHours: [{ start: '12:00', end: '13:30' }], days: [1, 2, 3, 4, 5] },
      countryWindows: { US: { start: '08:00', end: '21:00' }, CN: { start: '10:00', end: '24:00' } },
      holidays: 'skip',
      startAt: '2026-12-01T09:00:00+08:00',
      deadline: '2026-12-08T09:00:00+08:00',
      rateLimit: { sms: 50, email: 200 },
      caps: { sms: [{ max: 1, perHours: 48 }] },
      requireApproval: true,
      workingDaysOnly: true,
      urgent: false,
    };
    expect(parseCampaign(full)).toEqual(full);
  });
});

describe('parseCampaign: each invalid input gives one readable line naming the path', () => {
  it.each([
    ['bad HH:mm (no leading zero)', { window: { start: '9:00', end: '20:00' } }, 'window.start: must be HH:mm, e.g. 09:00'],
    ['bad HH:mm (25:00)', { window: { start: '09:00', end: '25:00' } }, 'window.end: must be HH:mm, e.g. 09:00'],
    ['bad HH:mm in quiet hours', { window: { start: '09:00', end: '20:00', quietHours: [{ start: '12:00', end: '13:60' }] } }, 'window.quietHours.0.end: must be HH:mm, e.g. 09:00'],
    ['bad HH:mm in a country window', { countryWindows: { US: { start: '8am', end: '21:00' } } }, 'countryWindows.US.start: must be HH:mm, e.g. 09:00'],
    ['window ending before it starts (crosses midnight)', { window: { start: '20:00', end: '09:00' } }, 'window.end: must be after start (a range cannot cross midnight)'],
    ['empty window', { window: { start: '09:00', end: '09:00' } }, 'window.end: must be after start (a range cannot cross midnight)'],
    ['24:00 as a start', { window: { start: '24:00', end: '24:00' } }, 'window.end: must be after start (a range cannot cross midnight)'],
    ['quiet hours ending before they start', { window: { start: '09:00', end: '20:00', quietHours: [{ start: '13:30', end: '12:00' }] } }, 'window.quietHours.0.end: must be after start (a range cannot cross midnight)'],
    ['deadline before startAt', { startAt: '2026-12-01T09:00:00+08:00', deadline: '2026-12-01T00:00:00Z' }, 'deadline: must be after startAt'],
    ['deadline equal to startAt (other offset)', { startAt: '2026-12-01T09:00:00+08:00', deadline: '2026-12-01T01:00:00Z' }, 'deadline: must be after startAt'],
    ['time without offset', { startAt: '2026-12-01T09:00:00' }, 'startAt: must be an ISO 8601 time with offset, e.g. 2026-12-01T09:00:00+08:00'],
    ['unknown template variable in SMS', { templates: { ...TEMPLATES, sms: { en: 'Hi {{first_name}}' } } }, 'templates.sms.en: unknown variable {{first_name}}; known: name, brand, country, unsubscribe_url'],
    ['unknown template variable in an e-mail subject', { templates: { ...TEMPLATES, email: { 'zh-CN': { subject: '{{coupon}}', text: 't' } } } }, 'templates.email.zh-CN.subject: unknown variable {{coupon}}; known: name, brand, country, unsubscribe_url'],
    ['capitalised variable is not silently sent as text', { templates: { ...TEMPLATES, sms: { en: 'Hi {{Name}}' } } }, 'templates.sms.en: unknown variable {{Name}}; known: name, brand, country, unsubscribe_url'],
    ['variable with a space', { templates: { ...TEMPLATES, sms: { en: 'Hi {{ first name }}' } } }, 'templates.sms.en: unknown variable {{first name}}; known: name, brand, country, unsubscribe_url'],
    ['tier A uses SMS but there is no SMS template', { templates: { email: TEMPLATES.email } }, 'templates.sms: a tier of the audience uses sms but there is no sms template'],
    ['tier C set to e-mail but there is no e-mail template', { templates: { sms: TEMPLATES.sms }, channels: { B: 'sms' } }, 'templates.email: a tier of the audience uses email but there is no email template'],
    ['a tier outside the audience needs no template', { audience: { tiers: ['B'] }, templates: { email: TEMPLATES.email } }, null],
    ['an SMS template map with no language', { templates: { ...TEMPLATES, sms: {} } }, 'templates.sms: needs at least one language'],
    ['bad country code in the audience', { audience: { countries: ['CN', 'usa'] } }, 'audience.countries.1: must be a two-letter ISO code'],
    ['lower-case country code', { audience: { countries: ['cn'] } }, 'audience.countries.0: must be a two-letter ISO code'],
    ['unknown category', { category: 'promo' }, 'category: Invalid option: expected one of "marketing"|"transactional"'],
    ['misspelt key', { windw: { start: '09:00', end: '20:00' } }, '(root): Unrecognized key: "windw"'],
    ['cap of zero', { caps: { sms: [{ max: 0, perHours: 24 }] } }, 'caps.sms.0.max: Too small: expected number to be >0'],
  ] as const)('%s', (_name, patch, line) => {
    expect(problems({ ...MINIMAL, ...patch })).toEqual(line === null ? [] : [line]);
  });

  it('a bad country code as a country-window key names the key', () => {
    const p = problems({ ...MINIMAL, countryWindows: { usa: { start: '09:00', end: '20:00' } } });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^countryWindows\.usa: /);
  });

  it('several problems: one line each, all reported at once', () => {
    const p = problems({ ...MINIMAL, name: '', window: { start: '9', end: '20:00' }, audience: { countries: ['XXX'] } });
    expect(p).toHaveLength(3);
    expect(p).toEqual(expect.arrayContaining(['window.start: must be HH:mm, e.g. 09:00', 'audience.countries.0: must be a two-letter ISO code']));
    expect(p.find((l) => l.startsWith('name: '))).toBeDefined();
    for (const l of p) expect(l).not.toContain('\n');
  });

  it('the error message lists the lines', () => {
    expect(() => parseCampaign({ ...MINIMAL, window: { start: '9:00', end: '20:00' } })).toThrow(
      'invalid campaign definition:\n  - window.start: must be HH:mm, e.g. 09:00',
    );
  });

  it('not an object', () => {
    expect(problems(null)).toEqual(['(root): Invalid input: expected object, received null']);
  });

  it('every window the schema accepts is one the send window accepts (24:00 as end only)', () => {
    expect(campaignSchema.safeParse({ ...MINIMAL, window: { start: '20:00', end: '24:00' } }).success).toBe(true);
    expect(campaignSchema.safeParse({ ...MINIMAL, window: { start: '00:00', end: '24:00' } }).success).toBe(true);
  });
});

describe('urgent', () => {
  it('only a transactional message can be urgent', () => {
    expect(() => parseCampaign({ ...MINIMAL, urgent: true })).toThrow(/urgent: only a transactional message can be urgent/);
    expect(parseCampaign({ ...MINIMAL, category: 'transactional', urgent: true }).urgent).toBe(true);
  });
  it('a transactional message goes on its templated channel to every tier', () => {
    expect(channelsOf(parseCampaign({ ...MINIMAL, category: 'transactional' }))).toEqual({ A: 'sms', B: 'sms', C: 'sms', D: 'sms' });
  });
});

describe('rulesOf', () => {
  it('turns times into epoch ms and records the templated channels', () => {
    const r = rulesOf(parseCampaign({ ...MINIMAL, startAt: '2026-12-01T09:00:00+08:00', deadline: '2026-12-08T09:00:00+08:00', audience: { tiers: ['A'] } }));
    expect(r.startAt).toBe(Date.parse('2026-12-01T01:00:00Z'));
    expect(r.deadline).toBe(Date.parse('2026-12-08T01:00:00Z'));
    expect(r.tiers).toEqual(['A']);
    expect([...r.templated].sort()).toEqual(['email', 'sms']);
    expect(rulesOf(parseCampaign(MINIMAL))).toMatchObject({ startAt: null, deadline: null, tiers: undefined, holidays: 'defer', fallback: true });
    expect(rulesOf(parseCampaign({ ...MINIMAL, holidays: 'ignore' })).holidays).toBe('defer');
    expect(rulesOf(parseCampaign({ ...MINIMAL, holidays: 'skip' })).holidays).toBe('skip');
    expect(rulesOf(parseCampaign({ ...MINIMAL, category: 'transactional' })).holidays).toBe(null);
  });
});

describe('limits: a typo is not "unlimited"', () => {
  const MIN = { name: 'x', category: 'marketing', templates: { sms: { en: 'Hi' }, email: { en: { subject: 's', text: 't' } } } };
  it.each([
    ['a rate of 1e308 a second', { rateLimit: { sms: 1e308 } }, /rateLimit\.sms: at most 10000 messages a second/],
    ['a cap of a million', { caps: { sms: [{ max: 1_000_000, perHours: 24 }] } }, /caps\.sms\.0\.max/],
    ['a cap window of ten years', { caps: { sms: [{ max: 1, perHours: 87_600 }] } }, /caps\.sms\.0\.perHours/],
  ])('refuses %s', (_name, patch, message) => {
    expect(() => parseCampaign({ ...MIN, ...patch })).toThrow(message);
  });
});
