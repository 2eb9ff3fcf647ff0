import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DataCodec, DataKeyError, keyIdOf, sha256Hex } from '../../infra/data-codec';

const K1 = randomBytes(32);
const K2 = randomBytes(32);
const LOOKUP = randomBytes(32);
const codec = (active: string, keys = [{ id: 'k1', key: K1 }, { id: 'k2', key: K2 }]) => new DataCodec(keys, active, LOOKUP);

describe('DataCodec', () => {
  it('encrypts each value under the active key with its id, a fresh IV, and decrypts it back', () => {
    const c = codec('k1');
    const a = c.encrypt('+8613800138000');
    const b = c.encrypt('+8613800138000');
    expect(keyIdOf(a)).toBe('k1');
    expect(a.equals(b)).toBe(false);
    expect(a.toString('latin1')).not.toContain('8613800138000');
    expect(c.decrypt(a)).toBe('+8613800138000');
    expect(c.encryptMany(['Li Wei', null, 'ann@example.com']).map((v) => c.decryptOrNull(v))).toEqual(['Li Wei', null, 'ann@example.com']);
  });

  it('reads values under an older key and re-encrypts them under the active one', () => {
    const old = codec('k1').encrypt('ann@example.com');
    const now = codec('k2');
    expect(now.decrypt(old)).toBe('ann@example.com');
    const moved = now.reencrypt(old);
    expect(keyIdOf(moved)).toBe('k2');
    expect(now.decrypt(moved)).toBe('ann@example.com');
    expect(now.reencrypt(moved)).toBe(moved);
  });

  it.each([
    ['a key id it does not hold', () => codec('k2', [{ id: 'k2', key: K2 }]).decrypt(codec('k1').encrypt('x')), /data key "k1", which REACHLOOP_DATA_KEYS does not hold/],
    ['another key under the same id', () => codec('k1', [{ id: 'k1', key: K2 }]).decrypt(codec('k1').encrypt('x')), /different key under that id/],
    ['a tampered value', () => {
      const v = codec('k1').encrypt('+12125550142');
      v[v.length - 1] = v[v.length - 1]! ^ 1;
      return codec('k1').decrypt(v);
    }, /does not decrypt/],
    ['an active id without a key', () => codec('k3'), /active data key id "k3"/],
    ['a short key', () => new DataCodec([{ id: 'k1', key: randomBytes(16) }], 'k1', LOOKUP), /32 bytes/],
  ])('refuses %s', (_, run, message) => {
    expect(run).toThrow(DataKeyError);
    expect(run).toThrow(message);
  });

  it('hashes lookups with the lookup key (HMAC of the SHA-256), never a bare SHA-256', () => {
    const c = codec('k1');
    const bare = createHash('sha256').update('+8613800138000').digest('hex');
    expect(c.lookupHash('+8613800138000')).toBe(createHmac('sha256', LOOKUP).update(bare).digest('hex'));
    expect(c.lookupHash('+8613800138000')).not.toBe(bare);
    expect(c.lookupHashOfSha256(sha256Hex('+8613800138000'))).toBe(c.lookupHash('+8613800138000'));
    expect(new DataCodec([{ id: 'k1', key: K1 }], 'k1', randomBytes(32)).lookupHash('+8613800138000')).not.toBe(c.lookupHash('+8613800138000'));
  });
});
