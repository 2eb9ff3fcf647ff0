import { getCountries, getCountryCallingCode, parsePhoneNumberWithError, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { describe, expect, it } from 'vitest';
import { classifyNumber } from '../../core/phone/number-type';

// core/phone/number-type.ts re-implements libphonenumber-js's getType() / isValid() with compiled
// patterns. It must answer exactly as the library does: checked here on every country's example
// number with random tails (valid numbers of many types) and on random digit strings (mostly
// invalid ones, of every length), plus the non-geographic calling codes.

const NON_GEOGRAPHIC = ['800', '808', '870', '878', '881', '882', '883', '888', '979'];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const parse = (text: string, country?: CountryCode): PhoneNumber | undefined => {
  try {
    return parsePhoneNumberWithError(text, country);
  } catch {
    return undefined;
  }
};

function sample(): PhoneNumber[] {
  const rnd = rng(7);
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 10)).join('');
  const out: PhoneNumber[] = [];
  for (const country of getCountries()) {
    const example = (examples as Record<string, string>)[country];
    for (let i = 0; i < 60; i++) {
      // The example number with its last 1..7 digits replaced: mostly valid, of the country's types.
      if (example) {
        const k = 1 + Math.floor(rnd() * Math.min(7, example.length - 1));
        const p = parse(example.slice(0, example.length - k) + digits(k), country);
        if (p) out.push(p);
      }
      // Random national digits of 3..15 digits, and international ones.
      const p = parse(digits(3 + Math.floor(rnd() * 13)), country);
      if (p) out.push(p);
      const q = parse(`+${getCountryCallingCode(country)}${digits(4 + Math.floor(rnd() * 11))}`);
      if (q) out.push(q);
    }
  }
  for (const code of NON_GEOGRAPHIC)
    for (let i = 0; i < 200; i++) {
      const p = parse(`+${code}${digits(6 + Math.floor(rnd() * 8))}`);
      if (p) out.push(p);
    }
  return out;
}

describe('classifyNumber agrees with libphonenumber-js', () => {
  const numbers = sample();

  it('on every number of the sample: validity and type', () => {
    const differ = numbers
      .map((p) => ({ number: p.number, country: p.country ?? null, lib: { valid: p.isValid(), type: p.getType() }, ours: classifyNumber(p) }))
      .filter((x) => x.lib.valid !== x.ours.valid || x.lib.type !== x.ours.type);
    expect(differ.slice(0, 5)).toEqual([]);
  });

  it('the sample covers valid and invalid numbers of many types, and every country', () => {
    const types = new Map<string, number>();
    let valid = 0;
    for (const p of numbers) {
      const t = p.getType() ?? 'none';
      types.set(t, (types.get(t) ?? 0) + 1);
      if (p.isValid()) valid++;
    }
    expect(numbers.length).toBeGreaterThan(20_000);
    expect(valid).toBeGreaterThan(numbers.length / 4);
    expect(numbers.length - valid).toBeGreaterThan(numbers.length / 4);
    for (const t of ['FIXED_LINE', 'MOBILE', 'FIXED_LINE_OR_MOBILE', 'TOLL_FREE', 'PREMIUM_RATE', 'VOIP', 'UAN', 'none']) expect(types.get(t) ?? 0, t).toBeGreaterThan(0);
    expect(new Set(numbers.map((p) => p.country)).size).toBeGreaterThan(200);
  });
});
