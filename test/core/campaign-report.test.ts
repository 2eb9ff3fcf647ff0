import { describe, expect, it } from 'vitest';
import { emptyCounts, funnelTable, hoursOfDay, percent, shapeCampaignReport, type FunnelCounts, type GroupCounts, type ReportFacts } from '../../core/campaign/report';

// Shaping the report's figures (core/campaign/report.ts): rates, the order of each breakdown,
// the 24 hours of a chart's axis, the funnel table.

const counts = (over: Partial<FunnelCounts>): FunnelCounts => ({ ...emptyCounts(), ...over });
const group = (dimension: GroupCounts['dimension'], key: GroupCounts['key'], over: Partial<FunnelCounts>): GroupCounts => ({ dimension, key, counts: counts(over) });

const facts = (groups: GroupCounts[]): ReportFacts => ({
  campaign: { id: 7, name: 'spring', category: 'marketing', status: 'completed', createdAt: '2026-03-01T00:00:00.000Z', launchedAt: null, finishedAt: null },
  recipients: { planned: 10, byState: { sent: 8, skipped: 2 } },
  decisions: [
    { decision: 'SKIP', reason: 'opted_out', rule: 'opted_out', decisions: 1, contacts: 1 },
    { decision: 'DEFER', reason: 'cap_reached', rule: 'cap:sms-daily', decisions: 1, contacts: 1 },
    { decision: 'SEND', reason: 'ok', rule: null, decisions: 8, contacts: 8 },
    { decision: 'DEFER', reason: 'outside_window', rule: 'outside_window:us-tcpa-hours', decisions: 3, contacts: 2 },
  ],
  caps: [
    { rule: 'cap:sms-daily', decisions: 1, contacts: 1 },
    { rule: 'cap:tier-cadence-B', decisions: 4, contacts: 2 },
  ],
  groups,
  attributionMs: 7 * 86_400_000,
});

describe('shapeCampaignReport', () => {
  const report = shapeCampaignReport(
    facts([
      group(null, null, { messages: 9, sent: 8, delivered: 6, clicked: 2, replied: 1, ordered: 1, optedOut: 0, failed: 1, segments: 11 }),
      group('channel', 'email', { messages: 2, sent: 2 }),
      group('channel', 'sms', { messages: 7, sent: 6, delivered: 6 }),
      group('tier', 'C', { messages: 5, sent: 5 }),
      group('tier', 'A', { messages: 4, sent: 3 }),
      group('country', null, { messages: 1, sent: 1 }),
      group('country', 'CN', { messages: 2, sent: 2 }),
      group('country', 'US', { messages: 6, sent: 5 }),
      group('localHour', 14, { messages: 3, sent: 3 }),
      group('localHour', 9, { messages: 5, sent: 4 }),
      group('localHour', null, { messages: 1, sent: 1 }),
      group('step', 'main', { messages: 9, sent: 8 }),
    ]),
    '7d',
  );

  it('totals with rates of the messages sent', () => {
    expect(report.funnel).toMatchObject({ messages: 9, sent: 8, delivered: 6, segments: 11 });
    expect(report.funnel.rates).toEqual({ delivered: 0.75, clicked: 0.25, replied: 0.125, ordered: 0.125, optedOut: 0 });
    expect(report.attribution).toMatchObject({ window: '7d', windowMs: 7 * 86_400_000 });
  });

  it('breakdowns: hours, tiers and steps in their order, channels and countries by sent; unknown last', () => {
    expect(report.by.localHour.map((r) => r.key)).toEqual(['09', '14', 'unknown']);
    expect(report.by.tier.map((r) => r.key)).toEqual(['A', 'C']);
    expect(report.by.channel.map((r) => r.key)).toEqual(['sms', 'email']);
    expect(report.by.country.map((r) => r.key)).toEqual(['US', 'CN', 'unknown']);
    expect(report.by.step).toEqual([{ key: 'main', ...counts({ messages: 9, sent: 8 }) }]);
  });

  it('decisions SEND, DEFER, SKIP, most first within a kind; caps most first', () => {
    expect(report.decisions.map((d) => `${d.decision} ${d.rule ?? d.reason}`)).toEqual(['SEND ok', 'DEFER outside_window:us-tcpa-hours', 'DEFER cap:sms-daily', 'SKIP opted_out']);
    expect(report.caps.map((c) => c.rule)).toEqual(['cap:tier-cadence-B', 'cap:sms-daily']);
  });

  it('an empty ledger: zeros, no rate', () => {
    const empty = shapeCampaignReport(facts([]), '72h');
    expect(empty.funnel).toEqual({ ...emptyCounts(), rates: { delivered: null, clicked: null, replied: null, ordered: null, optedOut: null } });
    expect(empty.by.channel).toEqual([]);
  });
});

describe('hoursOfDay', () => {
  it('fills the 24 hours, keeping the counts of those present and leaving out unknown', () => {
    const hours = hoursOfDay([
      { key: '09', ...counts({ sent: 4 }) },
      { key: 'unknown', ...counts({ sent: 1 }) },
    ]);
    expect(hours.map((h) => h.key)).toEqual(Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0')));
    expect(hours.map((h) => h.sent)).toEqual(Array.from({ length: 24 }, (_, h) => (h === 9 ? 4 : 0)));
  });
});

describe('funnelTable and percent', () => {
  it.each([
    [null, '-'],
    [0, '0%'],
    [1, '100%'],
    [2 / 3, '66.7%'],
    [0.125, '12.5%'],
  ])('percent(%j) = %j', (rate, text) => expect(percent(rate)).toBe(text));

  it('the stages with their share of sent, then what has none', () => {
    const rows = funnelTable(counts({ sent: 4, delivered: 3, clicked: 1, undelivered: 1, failed: 2, segments: 6, clicks: 3 }));
    expect(rows).toEqual([
      ['sent', 4, '100%'],
      ['delivered', 3, '75%'],
      ['clicked', 1, '25%'],
      ['replied', 0, '0%'],
      ['ordered', 0, '0%'],
      ['opted out', 0, '0%'],
      ['undelivered', 1, '25%'],
      ['failed at send', 2, '-'],
      ['outcome unknown', 0, '-'],
      ['not sent yet', 0, '-'],
      ['link clicks', 3, '-'],
      ['SMS segments', 6, '-'],
    ]);
  });
});
