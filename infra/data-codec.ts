import { createCipheriv, createDecipheriv, createHmac, hash, randomFillSync } from 'node:crypto';

/**
 * Personal data at rest: AES-256-GCM per value under a named data key, and keyed lookup hashes.
 *
 * A stored value is bytea: [id length][key id, ASCII][12-byte random IV][16-byte GCM tag][ciphertext].
 * The key id travels with every value, so values under an old key stay readable while
 * `reachloop keys rotate` re-encrypts them under the active one.
 *
 * Lookups and joins use lookupHash: HMAC-SHA256 under a separate lookup key of the value's
 * SHA-256 hex. HMAC over the SHA-256 (rather than over the value) lets the migration re-key a
 * legacy bare SHA-256 column whose value is no longer held anywhere (an opt-out of a number never
 * imported, the old number of a merged contact); without the key, the hash cannot be enumerated.
 *
 * The lookup key is a chain, oldest first, so that it can be rotated without any plaintext:
 * lookupHash(v) = HMAC(k_n, … HMAC(k_2, HMAC(k_1, sha256hex(v)))). `reachloop keys rotate-lookup`
 * adds a key by rewriting every stored hash h as HMAC(k_new, h); afterwards every hash depends on
 * the newest key, and the older keys alone no longer enumerate anything.
 */
export interface DataKey {
  id: string;
  key: Buffer;
}

export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,16}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** 32 bytes from base64 (standard or url alphabet), or undefined. */
export function base64Key(v: string): Buffer | undefined {
  const t = v.trim();
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) return undefined;
  const key = Buffer.from(t, t.includes('-') || t.includes('_') ? 'base64url' : 'base64');
  return key.length === 32 ? key : undefined;
}

/** `id:base64,id:base64` as data keys, or the problem with it (never echoing a key). */
export function parseDataKeys(v: string): DataKey[] | string {
  const keys: DataKey[] = [];
  for (const [i, part] of v.split(',').entries()) {
    const at = part.indexOf(':');
    const id = part.slice(0, at).trim();
    if (at < 0 || !KEY_ID_PATTERN.test(id)) return `entry ${i + 1} must be id:base64 with an id of 1-16 letters, digits, _ or -`;
    const key = base64Key(part.slice(at + 1));
    if (!key) return `key "${id}" must be the base64 of 32 bytes (e.g. \`openssl rand -base64 32\`)`;
    if (keys.some((k) => k.id === id)) return `key id "${id}" is given twice`;
    keys.push({ id, key });
  }
  return keys;
}

/** `base64,base64` (oldest first) as a lookup key chain, or the problem with it (never echoing a key). */
export function parseLookupKeys(v: string): Buffer[] | string {
  const keys: Buffer[] = [];
  for (const [i, part] of v.split(',').entries()) {
    const key = base64Key(part);
    if (!key) return v.includes(',') ? `entry ${i + 1} must be the base64 of 32 bytes (a chain is base64 keys, comma-separated, oldest first)` : 'must be the base64 of 32 bytes (e.g. `openssl rand -base64 32`)';
    if (keys.some((k) => k.equals(key))) return `entry ${i + 1} repeats an earlier key of the chain`;
    keys.push(key);
  }
  return keys;
}

/** One link of the lookup chain: HMAC-SHA256 of a hex hash under a key, as hex. */
export const lookupHashStep = (key: Buffer, hex: string) => createHmac('sha256', key).update(hex).digest('hex');

const KEY_CHECK = 'reachloop key check v1';

/**
 * A fingerprint of a key that proves nothing about it but tells two keys apart (start-up check).
 * Of a lookup chain: the first key's fingerprint, chained through the later keys, so that a
 * one-key chain keeps the fingerprint recorded before chains existed.
 */
export function keyFingerprint(chain: readonly Buffer[]): string {
  let f = createHmac('sha256', chain[0]!).update(KEY_CHECK).digest('hex');
  for (const key of chain.slice(1)) f = lookupHashStep(key, `${KEY_CHECK} chain ${f}`);
  return f.slice(0, 32);
}

export class DataKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataKeyError';
  }
}

export const sha256Hex = (s: string) => hash('sha256', s, 'hex');

/** Where a process's data keys come from, as its error messages name it, and how to restore a key missing there. */
export interface DataKeySource {
  name: string;
  restore: string;
}

export const ENV_DATA_KEYS: DataKeySource = {
  name: 'REACHLOOP_DATA_KEYS',
  restore: 'add it back (keep an old key until `reachloop keys rotate` has finished)',
};

export class DataCodec {
  readonly activeId: string;
  /** The bytes every value under the active key starts with ([length][id]). */
  readonly activePrefix: Buffer;
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly active: Buffer;
  private readonly ivs = Buffer.allocUnsafe(IV_BYTES * 4096);
  private ivAt = Infinity;

  /** The lookup key chain, oldest first. */
  private readonly lookupKeys: readonly Buffer[];

  constructor(
    keys: readonly DataKey[],
    activeId: string,
    lookupKeys: Buffer | readonly Buffer[],
    readonly keySource: DataKeySource = ENV_DATA_KEYS,
  ) {
    if (keys.length === 0) throw new DataKeyError('no data key given');
    for (const k of keys) {
      if (!KEY_ID_PATTERN.test(k.id) || k.id === 'lookup') throw new DataKeyError(`data key id "${k.id}" must be 1-16 letters, digits, _ or -`);
      if (k.key.length !== 32) throw new DataKeyError(`data key ${k.id} must be 32 bytes (got ${k.key.length})`);
    }
    this.lookupKeys = Buffer.isBuffer(lookupKeys) ? [lookupKeys] : [...lookupKeys];
    if (this.lookupKeys.length === 0) throw new DataKeyError('no lookup key given');
    for (const k of this.lookupKeys) if (k.length !== 32) throw new DataKeyError(`a lookup key must be 32 bytes (got ${k.length})`);
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
    const active = this.keys.get(activeId);
    if (!active) throw new DataKeyError(`the active data key id "${activeId}" is not among the data keys (${[...this.keys.keys()].join(', ')})`);
    this.active = active;
    this.activeId = activeId;
    this.activePrefix = prefixOf(activeId);
  }

  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /** Encrypts one value under the active key; IVs are cut from one random draw per 4,096 values. */
  encrypt(plain: string): Buffer {
    if (this.ivAt + IV_BYTES > this.ivs.length) {
      randomFillSync(this.ivs);
      this.ivAt = 0;
    }
    const iv = this.ivs.subarray(this.ivAt, (this.ivAt += IV_BYTES));
    return this.encryptWithIv(plain, iv);
  }

  encryptOrNull(plain: string | null | undefined): Buffer | null {
    return plain === null || plain === undefined ? null : this.encrypt(plain);
  }

  /** Encrypts many values (null stays null), with all IVs from one random draw. */
  encryptMany(values: ReadonlyArray<string | null | undefined>): Array<Buffer | null> {
    const ivs = randomFillSync(Buffer.allocUnsafe(IV_BYTES * values.length));
    return values.map((v, i) => (v === null || v === undefined ? null : this.encryptWithIv(v, ivs.subarray(i * IV_BYTES, (i + 1) * IV_BYTES))));
  }

  private encryptWithIv(plain: string, iv: Buffer): Buffer {
    const cipher = createCipheriv('aes-256-gcm', this.active, iv);
    const body = cipher.update(plain, 'utf8');
    const last = cipher.final();
    const tag = cipher.getAuthTag();
    return Buffer.concat([this.activePrefix, iv, tag, body, last]);
  }

  decrypt(value: Buffer): string {
    const id = keyIdOf(value);
    const key = this.keys.get(id);
    if (!key) throw new DataKeyError(`a stored value is encrypted under data key "${id}", which ${this.keySource.name} does not hold: \`reachloop keys rotate\` moved values under it since this process started? start it again with that key (new,old)`);
    const at = 1 + value[0]!;
    const iv = value.subarray(at, at + IV_BYTES);
    const tag = value.subarray(at + IV_BYTES, at + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(value.subarray(at + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new DataKeyError(`data key "${id}" does not decrypt a stored value: ${this.keySource.name} holds a different key under that id`);
    }
  }

  decryptOrNull(value: Buffer | null | undefined): string | null {
    return value === null || value === undefined ? null : this.decrypt(value);
  }

  /** A value encrypted as text (base64), for free text sealed inside a JSON column. */
  seal(plain: string): string {
    return this.encrypt(plain).toString('base64');
  }

  /** The plain text of a value sealed by seal(). */
  open(sealed: string): string {
    return this.decrypt(Buffer.from(sealed, 'base64'));
  }

  /** Re-encrypts a value under the active key (as it is when already under it). */
  reencrypt(value: Buffer): Buffer {
    return keyIdOf(value) === this.activeId ? value : this.encrypt(this.decrypt(value));
  }

  /** The keyed lookup hash of a value (hex): what every *_hash column holds. */
  lookupHash(value: string): string {
    return this.lookupHashOfSha256(sha256Hex(value));
  }

  /** The keyed lookup hash from a value's SHA-256 hex (re-keys legacy bare SHA-256 columns): the whole chain. */
  lookupHashOfSha256(sha256: string): string {
    return this.lookupKeys.reduce((h, key) => lookupHashStep(key, h), sha256);
  }

  /** The lookup key chain, oldest first (to write the generated key file). */
  get lookupKeyChain(): Buffer[] {
    return this.lookupKeys.map((k) => Buffer.from(k));
  }

  /** The same keys with one more lookup key at the end of the chain (`keys rotate-lookup`). */
  withLookupKey(key: Buffer): DataCodec {
    if (this.lookupKeys.some((k) => k.equals(key))) throw new DataKeyError('the new lookup key is already in the chain');
    return new DataCodec([...this.keys].map(([id, k]) => ({ id, key: k })), this.activeId, [...this.lookupKeys, key], this.keySource);
  }

  /** A fingerprint of a data key, or of the lookup chain ('lookup'): see keyFingerprint. */
  fingerprint(id: string | 'lookup'): string {
    const key = id === 'lookup' ? undefined : this.keys.get(id);
    if (id !== 'lookup' && !key) throw new DataKeyError(`no data key "${id}"`);
    return keyFingerprint(key ? [key] : this.lookupKeys);
  }

  hasKey(id: string): boolean {
    return this.keys.has(id);
  }
}

export function prefixOf(id: string): Buffer {
  return Buffer.concat([Buffer.from([id.length]), Buffer.from(id, 'ascii')]);
}

export function keyIdOf(value: Buffer): string {
  const n = value[0];
  if (n === undefined || n < 1 || n > 16 || value.length < 1 + n + IV_BYTES + TAG_BYTES) throw new DataKeyError('a stored value is not an encrypted value');
  return value.subarray(1, 1 + n).toString('ascii');
}
