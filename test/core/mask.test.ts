import { describe, expect, it } from 'vitest';
import { maskEmail, maskNamed, maskPhone } from '../../core/mask';

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
});
