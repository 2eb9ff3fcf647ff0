import { describe, expect, it } from 'vitest';
import { API_SCOPES, formatApiRate, isApiScope, LEGACY_SCOPES, looksLikeTokenSecret, parseApiRate, tokenNameProblem, tokenSecret } from '../../core/api-tokens';

describe('API token rules', () => {
  it.each([
    ['50/s', { max: 50, windowMs: 1_000 }],
    ['600/min', { max: 600, windowMs: 60_000 }],
    [' 10000 / h ', { max: 10_000, windowMs: 3_600_000 }],
    ['3/minute', { max: 3, windowMs: 60_000 }],
    ['0/s', null],
    ['50', null],
    ['50/day', null],
    ['-1/s', null],
    ['fast', null],
  ])('parseApiRate(%j) = %j', (text, rate) => {
    expect(parseApiRate(text)).toEqual(rate);
    if (rate) expect(parseApiRate(formatApiRate(rate))).toEqual(rate);
  });

  it('a secret is rl_ + 256 bits in base64url, and only such strings are looked up', () => {
    const secret = tokenSecret(new Uint8Array(32).fill(255));
    expect(secret).toBe(`rl_${'_'.repeat(42)}8`);
    expect(looksLikeTokenSecret(secret)).toBe(true);
    expect(looksLikeTokenSecret('a'.repeat(32))).toBe(false);
    expect(looksLikeTokenSecret(`rl_${'a'.repeat(10)}`)).toBe(false);
    expect(() => tokenSecret(new Uint8Array(16))).toThrow(/32 random bytes/);
  });

  it.each([
    ['shop-events', null],
    ['desk.v2_1', null],
    ['42', /only digits/],
    ['-x', /starting with a letter or digit/],
    ['a b', /letters, digits/],
    ['x'.repeat(65), /1-64/],
  ])('tokenNameProblem(%j)', (name, problem) => {
    const p = tokenNameProblem(name);
    if (problem === null) expect(p).toBeNull();
    else expect(p).toMatch(problem);
  });

  it('the legacy token keeps ingestion and messages, never the contact-changing or privacy scopes', () => {
    expect(LEGACY_SCOPES).toEqual(['events:write', 'messages:send']);
    expect(Object.keys(API_SCOPES)).toEqual(['events:write', 'messages:send', 'contacts:read', 'contacts:write', 'privacy']);
    expect(isApiScope('contacts:write')).toBe(true);
    expect(isApiScope('toString')).toBe(false);
  });
});
