import { describe, expect, it } from 'vitest';
import { mergeContact, type ContactDraft, type IncomingRow } from '../../core/intake/merge';
import { scoreLineType } from '../../core/score-inputs';
import type { IntakeRow } from '../../core/intake/row';
import type { PhoneType } from '../../core/phone';

// Deduplication (issue 4): one contact per E.164 number. Merging keeps the latest transaction
// (with its order value), the union of channel tags, sources, e-mails and devices, and per
// channel and purpose the earliest consent with its proof. The result depends neither on the
// order of the rows nor on how often the same rows are merged.

const ctx = { source: 'crm.csv', consentPurpose: 'marketing' };

const row = (line: number, patch: Partial<IntakeRow> = {}): IncomingRow => ({
  row: {
    e164: '+8613800138000', extension: null, lineType: 'mobile', country: 'CN', region: 'Asia', currency: 'CNY', language: 'zh',
    timeZones: ['Asia/Shanghai'], email: null, name: null, lastOrderAt: null, orderValue: null, channelTag: null, optInAt: null, deviceId: null, consentSource: null,
    ...patch,
  },
  proof: { importId: 1, line },
});

const permutations = <T>(xs: readonly T[]): T[][] =>
  xs.length <= 1 ? [[...xs]] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));

describe('mergeContact: one number, several rows', () => {
  const rows = [
    row(2, { lastOrderAt: '2026-03-01T00:00:00.000Z', orderValue: 80, channelTag: 'web', email: 'li@example.com', optInAt: '2025-06-01T00:00:00.000Z', name: 'Li' }),
    row(3, { lastOrderAt: '2026-05-01T00:00:00.000Z', orderValue: 120, channelTag: 'wechat', optInAt: '2025-09-01T00:00:00.000Z', deviceId: 'dev-9', name: 'Li Wei' }),
    row(4, { channelTag: 'web', email: 'wei@example.com', optInAt: '2025-01-15T00:00:00.000Z' }),
  ];
  const merged = mergeContact(null, rows, ctx);

  const cases: Array<[string, (d: ContactDraft) => unknown, unknown]> = [
    ['the number and its enrichment come from the rows', (d) => [d.e164, d.country, d.timeZones], ['+8613800138000', 'CN', ['Asia/Shanghai']]],
    ['the latest transaction wins', (d) => d.lastOrderAt, '2026-05-01T00:00:00.000Z'],
    ['with its order value', (d) => d.orderValue, 120],
    ['channel tags: the union, sorted', (d) => d.channelTags, ['web', 'wechat']],
    ['e-mails: the union, sorted', (d) => d.emails, ['li@example.com', 'wei@example.com']],
    ['devices: the union', (d) => d.deviceIds, ['dev-9']],
    ['sources: the import', (d) => d.sources, ['crm.csv']],
    ['the name of the latest row that has one', (d) => d.name, 'Li Wei'],
    [
      'consents: per channel and purpose, the earliest grant with its proof (a row with an e-mail also consents to e-mail)',
      (d) => d.consents,
      [
        { channel: 'email', purpose: 'marketing', source: 'crm.csv', grantedAt: '2025-01-15T00:00:00.000Z', doubleOptIn: false, proof: { importId: 1, line: 4 } },
        { channel: 'sms', purpose: 'marketing', source: 'crm.csv', grantedAt: '2025-01-15T00:00:00.000Z', doubleOptIn: false, proof: { importId: 1, line: 4 } },
      ],
    ],
  ];
  it.each(cases)('%s', (_label, read, want) => expect(read(merged)).toEqual(want));

  it('the order of the rows does not matter', () => {
    for (const p of permutations(rows)) expect(mergeContact(null, p, ctx)).toEqual(merged);
  });

  it('merging the same rows again changes nothing (re-imports are idempotent)', () => {
    expect(mergeContact(merged, rows, ctx)).toEqual(merged);
    expect(mergeContact(mergeContact(merged, rows, ctx), rows.slice(1), ctx)).toEqual(merged);
  });
});

describe('mergeContact: rules one at a time', () => {
  const cases: Array<[string, IncomingRow[], Partial<ContactDraft>]> = [
    ['a single row', [row(2, { email: 'a@example.com', channelTag: 'app' })], { emails: ['a@example.com'], channelTags: ['app'], consents: [] }],
    ['an empty tag, e-mail or device adds nothing', [row(2), row(3)], { emails: [], channelTags: [], deviceIds: [] }],
    [
      'a later transaction without an amount keeps the earlier amount',
      [row(2, { lastOrderAt: '2026-01-01T00:00:00.000Z', orderValue: 50 }), row(3, { lastOrderAt: '2026-02-01T00:00:00.000Z' })],
      { lastOrderAt: '2026-02-01T00:00:00.000Z', orderValue: 50 },
    ],
    ['an amount without a transaction time is kept when there is no other', [row(2, { orderValue: 30 })], { lastOrderAt: null, orderValue: 30 }],
    [
      'a row without an opt-in time gives no consent',
      [row(2, { email: 'a@example.com' }), row(3, { optInAt: '2025-02-01T00:00:00.000Z' })],
      { consents: [{ channel: 'sms', purpose: 'marketing', source: 'crm.csv', grantedAt: '2025-02-01T00:00:00.000Z', doubleOptIn: false, proof: { importId: 1, line: 3 } }] },
    ],
    ['an extension is kept', [row(2, { extension: '12' })], { extension: '12' }],
  ];
  it.each(cases)('%s', (_label, rows, want) => expect(mergeContact(null, rows, ctx)).toMatchObject(want));
});

describe('mergeContact: into an existing contact', () => {
  const existing = mergeContact(
    null,
    [row(9, { lastOrderAt: '2026-04-01T00:00:00.000Z', orderValue: 200, channelTag: 'store', email: 'old@example.com', optInAt: '2024-12-01T00:00:00.000Z' })],
    { source: 'pos.csv', consentPurpose: 'marketing' },
  );

  it('keeps what it had and adds what is new', () => {
    const d = mergeContact(existing, [row(2, { lastOrderAt: '2026-02-01T00:00:00.000Z', orderValue: 10, channelTag: 'web', email: 'new@example.com', optInAt: '2025-03-01T00:00:00.000Z' })], ctx);
    expect(d).toMatchObject({
      lastOrderAt: '2026-04-01T00:00:00.000Z', // the stored transaction is later
      orderValue: 200,
      channelTags: ['store', 'web'],
      emails: ['new@example.com', 'old@example.com'],
      sources: ['crm.csv', 'pos.csv'],
    });
    // The stored consents are earlier: they and their proof stay.
    expect(d.consents.map((k) => [k.channel, k.grantedAt, k.source, k.proof])).toEqual([
      ['email', '2024-12-01T00:00:00.000Z', 'pos.csv', { importId: 1, line: 9 }],
      ['sms', '2024-12-01T00:00:00.000Z', 'pos.csv', { importId: 1, line: 9 }],
    ]);
  });

  it('an earlier consent in the new file replaces the stored one, with its proof', () => {
    const d = mergeContact(existing, [row(5, { optInAt: '2024-01-01T00:00:00.000Z' })], ctx);
    expect(d.consents.find((k) => k.channel === 'sms')).toMatchObject({ grantedAt: '2024-01-01T00:00:00.000Z', source: 'crm.csv', proof: { importId: 1, line: 5 } });
    expect(d.consents.find((k) => k.channel === 'email')).toMatchObject({ grantedAt: '2024-12-01T00:00:00.000Z', source: 'pos.csv' });
  });

  it('a later transaction in the new file wins with its amount', () => {
    expect(mergeContact(existing, [row(2, { lastOrderAt: '2026-05-01T00:00:00.000Z', orderValue: 15 })], ctx)).toMatchObject({ lastOrderAt: '2026-05-01T00:00:00.000Z', orderValue: 15 });
  });

  it('needs an existing contact or a row', () => {
    expect(() => mergeContact(null, [], ctx)).toThrow(/at least one row/);
    expect(mergeContact(existing, [], ctx)).toEqual(existing);
  });
});

describe("scoreLineType: libphonenumber's type -> the score policy's line type", () => {
  const rows: Array<[PhoneType, string]> = [
    ['mobile', 'mobile'],
    ['fixed_line_or_mobile', 'fixed_or_mobile'],
    ['fixed_line', 'fixed'],
    ['voip', 'voip'],
    ['toll_free', 'toll_free'],
    ['premium_rate', 'premium_rate'],
    ['shared_cost', 'shared_cost'],
    ['unknown', 'unknown'],
    ['pager', 'other'],
  ];
  it.each(rows)('%s -> %s', (t, want) => expect(scoreLineType(t)).toBe(want));
});

describe('mergeContact(): the consent source', () => {
  it("is the row's consent_source when the file has one, else the import's source", () => {
    const at = '2026-01-05T10:00:00.000Z';
    const bought = mergeContact(null, [row(2, { optInAt: at, consentSource: 'purchased_list' })], ctx);
    expect(bought.consents.map((k) => [k.channel, k.source])).toEqual([['sms', 'purchased_list']]);
    const plain = mergeContact(null, [row(2, { optInAt: at })], ctx);
    expect(plain.consents.map((k) => k.source)).toEqual(['crm.csv']);
  });
});
