import { describe, expect, it } from 'vitest';
import { checkMapping, pickJsonFields, resolveColumns, type RawFields } from '../../core/intake/fields';
import { MAX_FIELD_LENGTH, parseAmount, parseInstant, validateRow, type IntakeRow, type RejectReason, type WarningReason } from '../../core/intake/row';

// The intake's row rules (issues 4 and 20): a row is kept with its number in E.164 and enriched, or
// rejected with one reason when it cannot be used (no usable phone, bytes that are not text); a
// bad optional field is left empty with a warning; dates without an offset are UTC; amounts
// lose their currency marks.

const NOW = Date.parse('2026-06-01T12:00:00Z');
const opts = { defaultCountry: 'CN' as const, now: NOW };
const valid = (fields: RawFields) => {
  const r = validateRow(fields, opts);
  if (!r.ok) throw new Error(`expected a valid row, got ${r.reason}: ${r.detail}`);
  return r.row;
};

describe('validateRow rejects a row only when it cannot be used', () => {
  const rows: Array<[string, RejectReason, RawFields]> = [
    ['no phone column value', 'missing_phone', { email: 'a@example.com' }],
    ['a blank phone', 'missing_phone', { phone: '   ' }],
    ['words', 'not_a_number', { phone: 'call me' }],
    ['too short', 'too_short', { phone: '12' }],
    ['too long for China', 'too_long', { phone: '+86 1380013800012345' }],
    ['an unknown calling code', 'invalid_country_code', { phone: '+999 123 4567' }],
    ['invalid for its region', 'invalid_for_region', { phone: '+86 0000 0000' }],
    ['a national number whose country is not a code', 'invalid_country', { phone: '13800138000', country: 'China' }],
    ['a phone over the field limit', 'field_too_long', { phone: '1'.repeat(MAX_FIELD_LENGTH + 1) }],
    ['bytes that were not UTF-8', 'invalid_encoding', { phone: '+8613800138000', name: 'Li \uFFFD' }],
  ];
  it.each(rows)('%s -> %s', (_label, reason, fields) => {
    const r = validateRow(fields, opts);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe(reason);
      expect(r.detail.length).toBeGreaterThan(0);
    }
  });
});

describe('validateRow keeps a row with a usable phone and leaves a bad optional field empty, with a warning', () => {
  const PHONE = '+8613800138000';
  const rows: Array<[string, RawFields, WarningReason, keyof IntakeRow]> = [
    ['a bad e-mail', { email: 'not-an-address' }, 'invalid_email', 'email'],
    ['a date that does not exist', { last_order_at: '2026-02-30' }, 'invalid_date', 'lastOrderAt'],
    ['a day-first date (31/02/2026)', { last_order_at: '31/02/2026' }, 'invalid_date', 'lastOrderAt'],
    ['text for a date', { last_order_at: 'yesterday' }, 'invalid_date', 'lastOrderAt'],
    ['a month 13 in the opt-in (no consent then)', { opt_in_at: '2026-13-01' }, 'invalid_date', 'optInAt'],
    ['an order in the future (beyond a day of clock skew)', { last_order_at: '2026-06-03' }, 'date_in_future', 'lastOrderAt'],
    ['an opt-in in the future', { opt_in_at: '2027-01-01T00:00:00Z' }, 'date_in_future', 'optInAt'],
    ['a registration that is no date', { registered_at: 'last spring' }, 'invalid_date', 'registeredAt'],
    ['a first order in the future', { first_order_at: '2030-01-01' }, 'date_in_future', 'firstOrderAt'],
    ['a negative order value', { order_value: '-5' }, 'invalid_order_value', 'orderValue'],
    ['words for an order value', { order_value: 'lots' }, 'invalid_order_value', 'orderValue'],
    ['a fractional order count', { order_count: '2.5' }, 'invalid_order_count', 'orderCount'],
    ['a negative order count', { order_count: '-1' }, 'invalid_order_count', 'orderCount'],
    ['a currency that is no ISO 4217 code', { currency: 'RMB' }, 'invalid_currency', 'orderCurrency'],
    ['a name over the field limit', { name: 'x'.repeat(MAX_FIELD_LENGTH + 1) }, 'field_too_long', 'name'],
    ['an address over the field limit', { shipping_address: 'x'.repeat(MAX_FIELD_LENGTH + 1) }, 'field_too_long', 'shippingAddress'],
  ];
  it.each(rows)('%s -> imported, %s empty (%s)', (_label, fields, reason, key) => {
    const r = validateRow({ phone: PHONE, ...fields }, opts);
    if (!r.ok) throw new Error(`rejected: ${r.reason}`);
    expect(r.row.e164).toBe(PHONE);
    expect(r.row[key]).toBeNull();
    expect(r.warnings).toEqual([{ field: Object.keys(fields)[0], reason, detail: expect.any(String) }]);
  });

  it('a bad field leaves the good ones of the same row as they are', () => {
    const r = validateRow({ phone: PHONE, last_order_at: 'yesterday', order_value: '-3', email: 'li@example.com', opt_in_at: '2026-01-05' }, opts);
    expect(r.ok && [r.row.email, r.row.optInAt, r.warnings.map((w) => w.reason)]).toEqual(['li@example.com', '2026-01-05T00:00:00.000Z', ['invalid_date', 'invalid_order_value']]);
  });

  it('a country that is not a code is ignored (with a warning) when the number is international', () => {
    const r = validateRow({ phone: '+44 20 7946 0018', country: 'United Kingdom' }, opts);
    expect(r.ok && [r.row.country, r.warnings.map((w) => w.reason)]).toEqual(['GB', ['invalid_country']]);
  });

  it.each([
    ['a NUL byte in a name', { name: 'Li\u0000Wei' }, 'name', 'LiWei'],
    ['an escape byte in a tag', { channel_tag: 'we\u001bchat' }, 'channelTag', 'wechat'],
    ['a DEL in an address', { shipping_address: '1 Main\u007f St' }, 'shippingAddress', '1 Main St'],
    ['a NUL in an e-mail', { email: 'li\u0000@example.com' }, 'email', 'li@example.com'],
  ] as const)('%s is stripped and reported', (_label, fields, key, want) => {
    const r = validateRow({ phone: PHONE, ...fields }, opts);
    expect(r.ok && [r.row[key], r.warnings.map((w) => `${w.field}:${w.reason}`)]).toEqual([want, [`${Object.keys(fields)[0]}:control_characters`]]);
  });

  it('a NUL in the phone number is stripped and reported, the number read', () => {
    const r = validateRow({ phone: '+86 138\u00000013 8000' }, opts);
    expect(r.ok && [r.row.e164, r.warnings.map((w) => `${w.field}:${w.reason}`)]).toEqual(['+8613800138000', ['phone:control_characters']]);
  });

  it('a line break or tab is a space, not a warning', () => {
    const r = validateRow({ phone: PHONE, name: 'Li\nWei\tJr' }, opts);
    expect(r.ok && [r.row.name, r.warnings]).toEqual(['Li Wei Jr', []]);
  });
});

describe('validateRow reads what a CRM export holds', () => {
  it('customer id, registration, first order, order count, currency, shipping address', () => {
    const r = validateRow(
      {
        phone: '+8613800138000', external_id: ' C-0042 ', registered_at: '2024-03-05 10:00:00', first_order_at: '2024-03-06', order_count: '1,204',
        order_value: '88.50', currency: ' usd ', shipping_address: '  Room 5,  No.18\nJianguo Rd  ',
      },
      opts,
    );
    expect(r.ok && r.row).toMatchObject({
      externalId: 'C-0042', registeredAt: '2024-03-05T10:00:00.000Z', firstOrderAt: '2024-03-06T00:00:00.000Z', orderCount: 1204,
      orderValue: 88.5, orderCurrency: 'USD', shippingAddress: 'Room 5, No.18 Jianguo Rd',
    });
    expect(r.ok && r.warnings).toEqual([]);
  });

  it("an order value without a currency is in the currency of the number's country", () => {
    expect(valid({ phone: '+8613800138000', order_value: '99' }).orderCurrency).toBe('CNY');
    expect(valid({ phone: '+12125550142', order_value: '99' }).orderCurrency).toBe('USD');
    expect(valid({ phone: '+12125550142' }).orderCurrency).toBeNull();
  });
});

describe('validateRow keeps and normalises a good row', () => {
  it('a national number takes the default country, and is enriched', () => {
    expect(valid({ phone: '138 0013 8000' })).toMatchObject({
      e164: '+8613800138000', lineType: 'mobile', country: 'CN', currency: 'CNY', timeZones: ['Asia/Shanghai'],
      email: null, name: null, lastOrderAt: null, orderValue: null, channelTag: null, optInAt: null, deviceId: null, extension: null,
    });
  });

  it("the row's own country wins over the default", () => {
    expect(valid({ phone: '020 7946 0018', country: 'gb' }).e164).toBe('+442079460018');
  });

  it('an extension is stripped and kept', () => {
    expect(valid({ phone: '+1 212 555 0143 ext. 12', country: 'US' })).toMatchObject({ e164: '+12125550143', extension: '12' });
  });

  it('e-mail, dates, amount, tag, name and device are normalised', () => {
    expect(
      valid({
        phone: '+8613800138000', email: '  Li.Wei@Example.COM ', name: ' Li\tWei ', last_order_at: '2026-05-31 08:30', order_value: '¥1,234.50',
        channel_tag: ' WeChat ', opt_in_at: '2026-01-05T10:00:00+08:00', device_id: ' dev-1 ',
      }),
    ).toMatchObject({
      email: 'li.wei@example.com', name: 'Li Wei', lastOrderAt: '2026-05-31T08:30:00.000Z', orderValue: 1234.5,
      channelTag: 'wechat', optInAt: '2026-01-05T02:00:00.000Z', deviceId: 'dev-1',
    });
  });

  it('a date up to a day ahead (clock skew between systems) is accepted', () => {
    expect(valid({ phone: '+8613800138000', last_order_at: '2026-06-02T11:00:00Z' }).lastOrderAt).toBe('2026-06-02T11:00:00.000Z');
  });
});

describe('parseInstant', () => {
  const rows: Array<[string, string | null | undefined]> = [
    ['', null],
    ['  ', null],
    ['2026-03-01', '2026-03-01T00:00:00.000Z'],
    ['2026/3/1', '2026-03-01T00:00:00.000Z'],
    ['2026.03.01', '2026-03-01T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2026-03-01T09:05', '2026-03-01T09:05:00.000Z'],
    ['2026-03-01 09:05:07', '2026-03-01T09:05:07.000Z'],
    ['2026-03-01T09:05:07.123Z', '2026-03-01T09:05:07.000Z'],
    ['2026-03-01T09:05:00+08:00', '2026-03-01T01:05:00.000Z'],
    ['2026-03-01T09:05:00-0500', '2026-03-01T14:05:00.000Z'],
    ['2026-03-01T00:30:00+01:00', '2026-02-28T23:30:00.000Z'],
    ['2026-02-29', undefined],
    ['1900-02-29', undefined],
    ['2026-04-31', undefined],
    ['2026-00-10', undefined],
    ['2026-03-01T24:00', undefined],
    ['2026-03-01T10:60', undefined],
    ['1899-12-31', undefined],
    ['01/03/2026', undefined],
    ['March 1, 2026', undefined],
  ];
  it.each(rows)('%j -> %j', (raw, want) => expect(parseInstant(raw)).toBe(want));
});

describe('parseAmount', () => {
  const rows: Array<[string, number | null | undefined]> = [
    ['', null],
    ['0', 0],
    ['12', 12],
    ['12.50', 12.5],
    ['1,234.50', 1234.5],
    ['1,234,567', 1234567],
    ['¥99', 99],
    ['$ 12', 12],
    ['€7.5', 7.5],
    ['CNY 88', 88],
    ['88 USD', 88],
    ['１２３', 123],
    ['-5', undefined],
    ['12,5', undefined],
    ['1.2.3', undefined],
    ['abc', undefined],
    ['1e3', undefined],
    ['1000000000000', undefined],
  ];
  it.each(rows)('%j -> %j', (raw, want) => expect(parseAmount(raw)).toBe(want));
});

describe('the consent source column', () => {
  it.each([['consent_source'], ['Opt-in Source'], ['opt_in_method'], ['同意来源']])('header %j is the consent source', (header) => {
    const cols = resolveColumns(['phone', header]);
    expect(cols.consent_source).toBe(1);
  });

  it.each([
    ['Pre-Ticked', 'pre_ticked'],
    ['web form', 'web_form'],
    ['PURCHASED_LIST', 'purchased_list'],
  ])('%j is stored as %j; without the column the row has none (the import\'s source applies)', (raw, want) => {
    const r = validateRow({ phone: '+8613800138000', consent_source: raw }, { now: Date.parse('2026-06-01T00:00:00Z') });
    expect(r.ok && r.row.consentSource).toBe(want);
    const bare = validateRow({ phone: '+8613800138000' }, { now: Date.parse('2026-06-01T00:00:00Z') });
    expect(bare.ok && bare.row.consentSource).toBeNull();
  });
});

describe('the CRM columns are found by their usual names', () => {
  it.each([
    ['customer_id', 'external_id'], ['Customer ID', 'external_id'], ['客户编号', 'external_id'], ['CustomerID', 'external_id'],
    ['created_at', 'registered_at'], ['signup_date', 'registered_at'], ['registered', 'registered_at'], ['注册时间', 'registered_at'],
    ['first_order_date', 'first_order_at'], ['order_count', 'order_count'], ['Total Orders', 'order_count'], ['currency', 'currency'],
    ['shipping_address', 'shipping_address'], ['收货地址', 'shipping_address'],
  ])('header %j is %s', (header, field) => {
    const cols = resolveColumns(['phone', header]);
    expect(cols[field as keyof typeof cols]).toBe(1);
  });

  it('a file keyed by customer id alone (no phone or e-mail column) is accepted; one with none of them is not', () => {
    expect(resolveColumns(['customer_id', 'order_count'])).toMatchObject({ external_id: 0, order_count: 1 });
    expect(() => resolveColumns(['name', 'city'])).toThrow(/no phone, e-mail or customer id column/);
  });
});

describe('checkMapping names what is wrong with a mapping before any row is read', () => {
  it('an unknown field is named, with the valid ones', () => {
    expect(() => checkMapping({ phone: 'Mobile', customer_no: 'Kundennummer' })).toThrow(/unknown field "customer_no"; fields are: phone, email, .*external_id/);
  });
  it('a field that names no column', () => {
    expect(() => checkMapping({ phone: '' })).toThrow(/phone must name a column/);
    expect(() => checkMapping(['phone'])).toThrow(/JSON object/);
  });
  it('a good mapping is returned as it is', () => {
    expect(checkMapping({ external_id: 'Kundennummer', registered_at: 'Angelegt' })).toEqual({ external_id: 'Kundennummer', registered_at: 'Angelegt' });
  });
});

describe('JSON Lines objects', () => {
  it('a mapped key an object leaves out is an empty field, not a malformed line', () => {
    expect(pickJsonFields({ mail: 'a@example.com' }, { phone: 'mobile_no', email: 'mail' })).toEqual({ email: 'a@example.com' });
    expect(pickJsonFields({ mobile_no: '+8613800138000', cid: 7 }, { phone: 'mobile_no', external_id: 'cid' })).toEqual({ phone: '+8613800138000', external_id: '7' });
  });
});

describe('a row without a phone but with the customer id', () => {
  it('is kept, to be matched by its customer id (rejected as missing_phone if nobody has it)', () => {
    const r = validateRow({ external_id: 'C-7', order_count: '3' }, opts);
    expect(r.ok && [r.row.e164, r.row.externalId, r.row.orderCount, r.byCustomerId?.reason]).toEqual(['', 'C-7', 3, 'missing_phone']);
  });
  it('a bad phone is still a reject: the id does not make a wrong number right', () => {
    expect(validateRow({ phone: 'call me', external_id: 'C-7' }, opts)).toMatchObject({ ok: false, reason: 'not_a_number' });
    expect(validateRow({ external_id: '  ' }, opts)).toMatchObject({ ok: false, reason: 'missing_phone' });
  });
});
