import { describe, expect, it } from 'vitest';
import { mergePlan, welcomeBackCampaign, type MergeFacts } from '../../core/recovery/merge';

const facts = (over: Partial<MergeFacts> = {}): MergeFacts => ({
  tier: 'D', score: 10, channelTag: null, name: null, orderCurrency: null, shippingAddress: null,
  registeredAt: null, firstOrderAt: null, lastOrderAt: null, sourceOrderCount: null, orderCount: 0, orderValue: null, ...over,
});
const d = (s: string) => new Date(s);
const IDS = { oldContactId: 7, caseId: 3 };

describe('mergePlan', () => {
  it('the better tier and the higher score stand, with a tier history row when the tier changes', () => {
    const p = mergePlan(facts({ tier: 'D', score: 20 }), facts({ tier: 'A', score: 85 }), IDS);
    expect(p.survivor).toMatchObject({ tier: 'A', score: 85 });
    expect(p.tierChange).toEqual({ from: 'D', to: 'A', score: 85, cause: 'recovery:merge:3', reasons: ['merged contact 7 (changed number)'] });
    expect(mergePlan(facts({ tier: 'B', score: 70 }), facts({ tier: 'C', score: 90 }), IDS)).toMatchObject({ survivor: { tier: 'B', score: 90 }, tierChange: null });
  });

  it("the survivor's identity fields stand; the old contact's fill the gaps", () => {
    const p = mergePlan(facts({ channelTag: 'wechat', name: null, orderCurrency: 'CNY' }), facts({ channelTag: 'sms', name: 'Li Wei', orderCurrency: 'USD', shippingAddress: 'Shanghai' }), IDS);
    expect(p.survivor).toMatchObject({ channelTag: 'wechat', name: 'Li Wei', orderCurrency: 'CNY', shippingAddress: 'Shanghai' });
  });

  it('history: earliest registration and first order, latest order, counts and values summed (null only when both are)', () => {
    const p = mergePlan(
      facts({ registeredAt: d('2024-05-01'), firstOrderAt: null, lastOrderAt: d('2026-01-02'), sourceOrderCount: null, orderCount: 2, orderValue: '10.05' }),
      facts({ registeredAt: d('2021-03-01'), firstOrderAt: d('2021-04-01'), lastOrderAt: d('2025-01-01'), sourceOrderCount: 4, orderCount: 5, orderValue: '0.10' }),
      IDS,
    );
    expect(p.survivor).toMatchObject({ registeredAt: d('2021-03-01'), firstOrderAt: d('2021-04-01'), lastOrderAt: d('2026-01-02'), sourceOrderCount: 4, orderCount: 7, orderValue: '10.15' });
    expect(mergePlan(facts(), facts(), IDS).survivor).toMatchObject({ sourceOrderCount: null, orderValue: null, registeredAt: null, lastOrderAt: null });
  });

  it('adds money exactly in cents, refunds included', () => {
    const value = (a: string | null, b: string | null) => mergePlan(facts({ orderValue: a }), facts({ orderValue: b }), IDS).survivor.orderValue;
    expect(value('0.1', '0.2')).toBe('0.30');
    expect(value('999999999999.99', '0.01')).toBe('1000000000000.00');
    expect(value('-3.50', '1.25')).toBe('-2.25');
    expect(value(null, '12')).toBe('12.00');
  });

  it('the survivor gains the source "recovery"; the old contact "merged", out of SMS lists, its orders on the survivor only', () => {
    const p = mergePlan(facts(), facts({ orderCount: 3, orderValue: '9.00', lastOrderAt: d('2025-01-01'), sourceOrderCount: 2 }), IDS);
    expect(p.addSources).toEqual({ survivor: ['recovery'], old: ['merged'] });
    expect(p.old).toEqual({ smsEligible: false, orderCount: 0, orderValue: null, lastOrderAt: null, sourceOrderCount: null });
  });
});

describe('welcomeBackCampaign', () => {
  const template = { name: 'Welcome back', category: 'marketing', definition: { name: 'Welcome back', category: 'marketing', startAt: '2026-01-01T00:00:00Z', deadline: '2026-02-01T00:00:00Z', audience: { tiers: ['A'] }, templates: { sms: { en: 'Hi' } } } };
  it('a one-person copy without start or deadline, named after the case', () => {
    expect(welcomeBackCampaign(template, 42, 9)).toEqual({
      name: 'Welcome back (welcome back, case 9)',
      category: 'marketing',
      definition: { name: 'Welcome back (welcome back, case 9)', category: 'marketing', audience: { contactIds: [42] }, templates: { sms: { en: 'Hi' } } },
    });
  });
  it('none from a template that is not a marketing campaign', () => {
    expect(welcomeBackCampaign({ ...template, category: 'transactional' }, 42, 9)).toBeNull();
  });
});
