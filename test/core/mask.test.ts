import { describe, expect, it } from 'vitest';
import { maskEmail, maskPhone } from '../../core/mask';

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
});
