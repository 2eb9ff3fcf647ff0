import { describe, expect, it } from 'vitest';
import { mergeContact, type ContactDraft, type IncomingRow } from '../../core/intake/merge';
import { scoreLineType } from '../../core/score-inputs';
import type { IntakeRow } from '../../core/intake/row';
import type { PhoneType } from '../../core/phone';
import { intakeRow } from '../helpers/drafts';

// Deduplication (issue 4): one contact per E.164 number. Merging keeps the latest transaction
// (with its order value), the union of channel tags, sources, e-mails and devices, and per
// channel and purpose the earliest consent with its proof. The result depends neither on the
// order of the rows nor on how often the same rows are merged.

const ctx = { source: 'crm.csv', consentPurpose: 'marketing' };

const row = (line: number, patch: Partial<IntakeRow> = {}): IncomingRow => ({ row: intakeRow(patch), proof: { importId: 1, line } });

const permutations = <T>(xs: readonly T[]): T[][] =>
  xs.length <= 1 ? [[...xs]] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));

describe('mergeContact: one number, several rows', () => {
  const rows = [
    row(2, { lastOrderAt: '2026-03-01T00:00:00.000Z', orderValue: 80, orderCurrency: 'CNY', channelTag: 'web', email: 'li@example.com', optInAt: '2025-06-01T00:00:00.000Z', name: 'Li', registeredAt: '2024-02-01T00:00:00.000Z', orderCount: 3, shippingAddress: 'Old Rd 1' }),
    row(3, { lastOrderAt: '2026-05-01T00:00:00.000Z', orderValue: 120, orderCurrency: 'USD', channelTag: 'wechat', optInAt: '2025-09-01T00:00:00.000Z', deviceId: 'dev-9', name: 'Li Wei', registeredAt: '2024-05-01T00:00:00.000Z', firstOrderAt: '2024-06-01T00:00:00.000Z', orderCount: 5, shippingAddress: 'New Rd 2' }),
    row(4, { channelTag: 'web', email: 'wei@example.com', optInAt: '2025-01-15T00:00:00.000Z', firstOrderAt: '2024-03-01T00:00:00.000Z' }),
  ];
  const merged = mergeContact(null, rows, ctx);

  const cases: Array<[string, (d: ContactDraft) => unknown, unknown]> = [
    ['the number and its enrichment come from the rows', (d) => [d.e164, d.country, d.timeZones], ['+8613800138000', 'CN', ['Asia/Shanghai']]],
    ['the latest transaction wins', (d) => d.lastOrderAt, '2026-05-01T00:00:00.000Z'],
    ['with its order value', (d) => d.orderValue, 120],
    ['and that value\'s currency', (d) => d.orderCurrency, 'USD'],
    ["the survivor's (latest transaction's) channel tag is the primary one", (d) => d.channelTag, 'wechat'],
    ['registration: the earliest', (d) => d.registeredAt, '2024-02-01T00:00:00.000Z'],
    ['first order: the earliest', (d) => d.firstOrderAt, '2024-03-01T00:00:00.000Z'],
    ['order count: the largest (one account counted twice is not two)', (d) => d.orderCount, 5],
    ['shipping address: the latest row\'s', (d) => d.shippingAddress, 'New Rd 2'],
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
    [
      "the survivor without a tag: the tag of the latest row that has one",
      [row(2, { lastOrderAt: '2026-01-01T00:00:00.000Z', channelTag: 'app' }), row(3, { lastOrderAt: '2026-02-01T00:00:00.000Z' }), row(4, { channelTag: 'store' })],
      { channelTag: 'app', channelTags: ['app', 'store'] },
    ],
    ['no tag at all: no primary tag', [row(2), row(3)], { channelTag: null }],
    ['a currency column without an amount is kept', [row(2, { orderCurrency: 'EUR' })], { orderValue: null, orderCurrency: 'EUR' }],
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

  it('the existing contact is the survivor: its primary tag stays; the earliest registration and the largest count win', () => {
    const stored = { ...existing, registeredAt: '2024-01-01T00:00:00.000Z', orderCount: 9 };
    const d = mergeContact(stored, [row(2, { lastOrderAt: '2026-05-01T00:00:00.000Z', channelTag: 'web', registeredAt: '2023-06-01T00:00:00.000Z', orderCount: 4 })], ctx);
    expect(d).toMatchObject({ channelTag: 'store', channelTags: ['store', 'web'], registeredAt: '2023-06-01T00:00:00.000Z', orderCount: 9 });
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

describe('mergeContact(): a bought list never hides the customer\'s own consent', () => {
  const never = (source: string) => source === 'purchased_list' || source === 'rented_list';
  const withPolicy = { ...ctx, isNeverConsent: never };
  const bought = row(2, { optInAt: '2024-01-01T00:00:00.000Z', consentSource: 'purchased_list' });
  const form = row(3, { optInAt: '2025-06-01T00:00:00.000Z', consentSource: 'web_form' });
  const sms = (d: ContactDraft) => d.consents.find((k) => k.channel === 'sms');

  it('a later opt-in of the customer\'s own wins over an earlier bought one, in either order of the rows', () => {
    for (const rows of [[bought, form], [form, bought]]) expect(sms(mergeContact(null, rows, withPolicy))).toMatchObject({ source: 'web_form', grantedAt: '2025-06-01T00:00:00.000Z', proof: { line: 3 } });
  });

  it('a stored bought consent is replaced by a later import\'s own; a bought one never replaces a stored own', () => {
    const stored = mergeContact(null, [bought], withPolicy);
    expect(sms(mergeContact(stored, [form], withPolicy))).toMatchObject({ source: 'web_form' });
    const own = mergeContact(null, [form], withPolicy);
    expect(sms(mergeContact(own, [bought], withPolicy))).toMatchObject({ source: 'web_form', grantedAt: '2025-06-01T00:00:00.000Z' });
  });

  it('two bought opt-ins: the earlier, as for any two of a kind', () => {
    const later = row(4, { optInAt: '2024-06-01T00:00:00.000Z', consentSource: 'rented_list' });
    expect(sms(mergeContact(null, [later, bought], withPolicy))).toMatchObject({ source: 'purchased_list' });
  });
});
