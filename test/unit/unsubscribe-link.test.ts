import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signUnsubscribeToken, unsubscribeUrl, verifyUnsubscribeToken, type UnsubscribeClaims } from '../../channels/unsubscribe-link';

const secret = randomBytes(32).toString('base64url');
const otherSecret = randomBytes(32).toString('base64url');
const now = new Date('2026-03-01T12:00:00Z');
const claims: UnsubscribeClaims = {
  contactId: 'c_0193',
  channel: 'email',
  campaignId: 'spring-2026',
  expiresAt: new Date('2026-06-01T00:00:00Z'),
};
const token = signUnsubscribeToken(claims, secret);
const [payload, sig] = token.split('.') as [string, string];

/** The token with one base64url character of `part` changed. */
const flip = (part: string, i: number) => part.slice(0, i) + (part[i] === 'A' ? 'B' : 'A') + part.slice(i + 1);
const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
/** A payload with a bad shape but a valid MAC (as if the secret had leaked): still refused. */
const forge = (v: unknown) => {
  const p = encode(v);
  return `${p}.${createHmac('sha256', secret).update(p).digest('base64url')}`;
};

describe('unsubscribe tokens', () => {
  it('round-trips the claims and is URL-safe', () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyUnsubscribeToken(token, secret, now)).toEqual({ ok: true, claims });
    expect(unsubscribeUrl('https://reach.example/base', token)).toBe(`https://reach.example/base/unsubscribe/${token}`);
  });

  it('accepts a token signed with a previous secret during rotation', () => {
    const old = signUnsubscribeToken(claims, otherSecret);
    expect(verifyUnsubscribeToken(old, [secret, otherSecret], now)).toMatchObject({ ok: true });
    expect(verifyUnsubscribeToken(old, [secret], now)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it.each<[string, string, Date, string]>([
    ['another secret', signUnsubscribeToken(claims, otherSecret), now, 'bad_signature'],
    ['payload changed (other contact)', `${encode([1, 'c_0194', 'email', 'spring-2026', 1780272000])}.${sig}`, now, 'bad_signature'],
    ['payload bit flipped', `${flip(payload, 5)}.${sig}`, now, 'bad_signature'],
    ['signature bit flipped', `${payload}.${flip(sig, 10)}`, now, 'bad_signature'],
    ['signature truncated', `${payload}.${sig.slice(0, 40)}`, now, 'bad_signature'],
    ['last signature character changed', `${payload}.${sig.slice(0, 42)}${sig[42] === 'B' ? 'C' : 'B'}`, now, 'bad_signature'],
    ['no signature', payload, now, 'malformed'],
    ['three parts', `${token}.x`, now, 'malformed'],
    ['empty', '', now, 'malformed'],
    ['not base64url', `${payload}.${sig.replace(/.$/, '=')}`, now, 'malformed'],
    ['right MAC, wrong version', forge([2, 'c', 'email', 'k', 1780272000]), now, 'malformed'],
    ['right MAC, unknown channel', forge([1, 'c', 'fax', 'k', 1780272000]), now, 'malformed'],
    ['right MAC, not JSON array', forge({ contactId: 'c' }), now, 'malformed'],
    ['expired exactly at expiry', token, claims.expiresAt, 'expired'],
    ['expired later', token, new Date('2027-01-01T00:00:00Z'), 'expired'],
  ])('rejects %s', (_name, t, at, reason) => {
    expect(verifyUnsubscribeToken(t, secret, at)).toEqual({ ok: false, reason });
  });

  it('is still valid one second before expiry', () => {
    expect(verifyUnsubscribeToken(token, secret, new Date(claims.expiresAt.getTime() - 1000)).ok).toBe(true);
  });

  it.each<[string, () => unknown]>([
    ['a short secret', () => signUnsubscribeToken(claims, 'short')],
    ['no secret', () => signUnsubscribeToken(claims, [])],
    ['an empty contact id', () => signUnsubscribeToken({ ...claims, contactId: '' }, secret)],
    ['an unknown channel', () => signUnsubscribeToken({ ...claims, channel: 'fax' as never }, secret)],
    ['an invalid expiry', () => signUnsubscribeToken({ ...claims, expiresAt: new Date(NaN) }, secret)],
  ])('refuses to sign with %s', (_name, fn) => {
    expect(fn).toThrow();
  });
});
