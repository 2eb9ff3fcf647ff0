import { describe, expect, it } from 'vitest';
import { contactFactsOf } from '../../core/activity';
import { evaluateContact } from '../../core/evaluate';
import { mergeContact } from '../../core/intake/merge';
import { SCORE_POLICY_V1 } from '../../core/score-policy';
import { CONTACT_COLUMNS, contactLine, type ContactWrite } from '../../db/contact-writer';
import { intakeRow } from '../helpers/drafts';
import { dataCodec } from '../../infra/data-keys';

// The contacts COPY line is written out column by column (for speed) instead of from a list of
// values: it must still have one field per column, in CONTACT_COLUMNS' order, and escape every
// text that came from the file.

const NOW = new Date('2026-06-01T12:00:00Z');
const draft = mergeContact(
  null,
  [
    {
      row: intakeRow({
        extension: '12', email: 'li@example.com', name: 'Li\tWei\\ "the\nsecond"', lastOrderAt: '2026-05-01T00:00:00.000Z',
        orderValue: 99.5, channelTag: 'we"chat', optInAt: '2026-01-05T10:00:00.000Z', deviceId: 'dev\\1',
        registeredAt: '2024-03-01T00:00:00.000Z', orderCount: 4, orderCurrency: 'CNY', shippingAddress: 'Room 5\tNo.18 "Jianguo" Rd\\',
      }),
      proof: { importId: 7, line: 2 },
    },
  ],
  { source: 'crm\t2026.csv', consentPurpose: 'marketing' },
);
const ev = evaluateContact(draft, contactFactsOf({ activity: {}, complaints: 0, sameRangeRegistrations: 6, sameDeviceRegistrations: 0 }, 'reachable'), SCORE_POLICY_V1, NOW);
const write: ContactWrite = { hash: 'ab'.repeat(32), draft, status: 'active', prior: undefined, ev, recheckAfter: '2026-08-30T12:00:00.000Z', sameRange: 6, sameDevice: 0 };

/** COPY text format's unescaping of one field (the inverse of copyField). */
const unescape = (f: string) => (f === '\\N' ? null : f.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c));

describe('contactLine', () => {
  const line = contactLine(write, 42);
  const fields = line.slice(0, -1).split('\t');
  const byColumn = Object.fromEntries(['id', ...CONTACT_COLUMNS].map((c, i) => [c, unescape(fields[i]!)]));
  const unsealed = (c: string) => dataCodec().decrypt(Buffer.from(byColumn[c]!.slice(2), 'hex'));

  it('has one field per column and ends the line', () => {
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toMatch(/[\n\r]/);
    expect(fields).toHaveLength(CONTACT_COLUMNS.length + 1);
  });

  it('puts each value in its column', () => {
    expect(byColumn).toMatchObject({
      id: '42', phone_hash: 'ab'.repeat(32), phone_extension: '12', line_type: 'mobile', country: 'CN',
      region: 'Asia', currency: 'CNY', language: 'zh', time_zones: '{"Asia/Shanghai"}', validity: 'reachable', number_status: 'active',
      sms_eligible: 'true', device_ids: '{"dev\\\\1"}', last_order_at: '2026-05-01T00:00:00.000Z', order_value: '99.5',
      risk_points: String(Math.round(ev.risk.points)), quarantined: String(ev.risk.quarantined), score: String(Math.round(ev.score.total)),
      tier: ev.tier.tier, policy_version: SCORE_POLICY_V1.version, recheck_after: '2026-08-30T12:00:00.000Z', prefer_cheaper_channel: 'false',
      same_range_registrations: '6', same_device_registrations: '0', registered_at: '2024-03-01T00:00:00.000Z', first_order_at: null,
      source_order_count: '4', order_currency: 'CNY',
    });
    expect(JSON.parse(byColumn.score_parts!)).toHaveLength(ev.score.parts.filter((p) => p.points !== 0).length);
  });

  it('encrypts the number, the name and the address (bytea hex), which decrypt to the values as they were', () => {
    for (const c of ['phone_enc', 'name_enc', 'shipping_address_enc']) expect(byColumn[c]).toMatch(/^\\x[0-9a-f]+$/);
    expect(line).not.toContain('8613800138000');
    expect(unsealed('phone_enc')).toBe('+8613800138000');
    expect(unsealed('name_enc')).toBe('Li\tWei\\ "the\nsecond"');
    expect(unsealed('shipping_address_enc')).toBe('Room 5\tNo.18 "Jianguo" Rd\\');
  });

  it('escapes the text from the file: tabs, newlines, backslashes and quotes come back as they were', () => {
    expect(byColumn.sources).toBe('{"crm\t2026.csv"}');
    expect(byColumn.channel_tags).toBe('{"we\\"chat"}');
    expect(byColumn.channel_tag).toBe('we"chat');
  });
});
