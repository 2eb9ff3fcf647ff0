import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DataCodec, DataKeyError, keyFingerprint, lookupHashStep } from '../../infra/data-codec';

// The lookup key chain: lookupHash(v) = HMAC(k_n, … HMAC(k_1, sha256hex(v))), so that rotating adds
// a key by re-hashing the stored hashes, with no plaintext.

const DATA = [{ id: 'k1', key: randomBytes(32) }];
const [A, B, C] = [randomBytes(32), randomBytes(32), randomBytes(32)];
const sha = (v: string) => createHash('sha256').update(v).digest('hex');
const hmac = (key: Buffer, hex: string) => createHmac('sha256', key).update(hex).digest('hex');
const codec = (chain: Buffer | Buffer[]) => new DataCodec(DATA, 'k1', chain);
const V = '+8613800138000';

describe('lookup key chain', () => {
  it.each([
    ['one key (the form before chains)', A, hmac(A, sha(V))],
    ['one key given as a chain of one', [A], hmac(A, sha(V))],
    ['two keys, oldest first', [A, B], hmac(B, hmac(A, sha(V)))],
    ['three keys', [A, B, C], hmac(C, hmac(B, hmac(A, sha(V))))],
    ['the same keys in another order', [B, A], hmac(A, hmac(B, sha(V)))],
  ])('hashes with %s', (_, chain, expected) => {
    expect(codec(chain).lookupHash(V)).toBe(expected);
    expect(codec(chain).lookupHashOfSha256(sha(V))).toBe(expected);
  });

  it('rotating is one more step on a stored hash: no plaintext needed', () => {
    const stored = codec([A]).lookupHash(V);
    const rotated = codec([A]).withLookupKey(B);
    expect(lookupHashStep(B, stored)).toBe(rotated.lookupHash(V));
    expect(rotated.lookupHash(V)).not.toBe(stored);
    expect(rotated.lookupKeyChain).toEqual([A, B]);
    expect(() => rotated.withLookupKey(A)).toThrow(DataKeyError);
  });

  it.each([
    ['one key keeps the fingerprint recorded before chains', [A], hmac(A, 'reachloop key check v1').slice(0, 32)],
    ['a chain differs from its first key', [A, B], undefined],
  ])('fingerprints: %s', (_, chain, expected) => {
    const f = codec(chain).fingerprint('lookup');
    expect(f).toBe(keyFingerprint(chain));
    if (expected) expect(f).toBe(expected);
    else expect(f).not.toBe(keyFingerprint([chain[0]!]));
  });

  it('tells chains apart by fingerprint: other key, other order, one key more', () => {
    const prints = [[A], [B], [A, B], [B, A], [A, B, C]].map((c) => codec(c).fingerprint('lookup'));
    expect(new Set(prints).size).toBe(prints.length);
  });

  it.each([
    ['an empty chain', [] as Buffer[], /no lookup key given/],
    ['a short key in the chain', [A, randomBytes(16)], /a lookup key must be 32 bytes/],
  ])('refuses %s', (_, chain, message) => {
    expect(() => codec(chain)).toThrow(message);
  });
});
