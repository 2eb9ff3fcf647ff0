import { describe, expect, it } from 'vitest';
import { maskEmail, maskNamed, maskPersonalText, maskPhone } from '../../core/mask';
import { maskPersonalProperties } from '../../core/event-properties';

describe('masking', () => {
  it.each([
    ['+8613812345678', '+86138****5678'],
    ['+14155552671', '+141****2671'],
    ['+4420', '+44****'],
  ])('phone %s -> %s', (e164, masked) => {
    expect(maskPhone(e164)).toBe(masked);
    expect(maskPhone(e164)).not.toContain(e164.slice(-8, -4).length === 4 && e164.length > 9 ? e164.slice(-8, -4) : '\u0000');
  });
  it.each([
    ['alice@example.com', 'a***@example.com'],
    ['x@y.z', 'x***@y.z'],
    ['broken', '***'],
  ])('email %s -> %s', (email, masked) => expect(maskEmail(email)).toBe(masked));
  it.each([
    ["The 'To' number +12125550177 is not a valid phone number.", { phone: '+12125550177' }, "The 'To' number +121****0177 is not a valid phone number."],
    ['Message to 12125550177 refused; again +12125550177', { phone: '+12125550177' }, 'Message to 121****0177 refused; again +121****0177'],
    ['550 5.1.1 <Gone.Person@example.NET>: Recipient address rejected', { email: 'gone.person@Example.net' }, '550 5.1.1 <g***@Example.net>: Recipient address rejected'],
    ['a+b@x.io and a+b@x.io', { email: 'a+b@x.io' }, 'a***@x.io and a***@x.io'],
    ['nothing to see (code 21614)', { phone: '+12125550177', email: 'a@b.c' }, 'nothing to see (code 21614)'],
  ])('named in %s', (text, named, masked) => expect(maskNamed(text, named)).toBe(masked));

  // Free text (a sender's event properties): what looks like an e-mail or a number is masked, what only looks like an id is not.
  it.each([
    ['call +86 138 1234 5678 now', 'call +86138****5678 now', ['phone']],
    ['+8613812345678', '+86138****5678', ['phone']],
    ['+1 (212) 555-0142', '+121****0142', ['phone']],
    ['(212) 555-0142', '21****0142', ['phone']],
    ['138 1234 5678', '138****5678', ['phone']],
    ['Jane.Doe@Example.com', 'J***@Example.com', ['email']],
    ['write to j@x.io or +44 7700 900123', 'write to j***@x.io or +4477****0123', ['email', 'phone']],
    ['order 20261118000123', 'order 20261118000123', []],
    ['2026-11-18T10:00:00Z', '2026-11-18T10:00:00Z', []],
    ['19.90', '19.90', []],
    ['v2.3.1234', 'v2.3.1234', []],
    ['12:30 - 13:45', '12:30 - 13:45', []],
    ['SKU-4711-B', 'SKU-4711-B', []],
  ])('free text %s -> %s', (text, masked, kinds) => expect(maskPersonalText(text)).toEqual({ text: masked, masked: kinds }));

  it('masks the strings of event properties at any depth, one warning per property, and leaves the rest as it was', () => {
    const props = { sku: 'S-1', price: 19.9, note: 'ring +86 138 1234 5678', buyer: { email: 'ann@example.com' }, tags: ['vip', 'bob@example.org'] };
    const r = maskPersonalProperties(props);
    expect(r.properties).toEqual({ sku: 'S-1', price: 19.9, note: 'ring +86138****5678', buyer: { email: 'a***@example.com' }, tags: ['vip', 'b***@example.org'] });
    expect(r.warnings.map((w) => `${w.field}:${w.reason}`)).toEqual(['properties.note:personal_data_masked', 'properties.buyer.email:personal_data_masked', 'properties.tags.1:personal_data_masked']);
    expect(r.warnings.map((w) => w.detail).join(' ')).not.toMatch(/ann@|bob@|1234 5678/);
    const clean = { sku: 'S-1', nested: { a: [1, 'x'] } };
    expect(maskPersonalProperties(clean).properties).toBe(clean); // nothing to mask: no copy
    expect(maskPersonalProperties({ body_sealed: 'AAAA', sku: 'S' })).toMatchObject({ properties: { sku: 'S' }, warnings: [{ field: 'properties.body_sealed', reason: 'invalid_property' }] });
  });
});
