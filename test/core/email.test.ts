import { describe, expect, it } from 'vitest';
import { normalizeEmail } from '../../core/email';

// E-mail addresses are normalised for matching (one contact per address, whatever its case or
// width) and checked for a plain name@domain.tld shape; anything else rejects the row.

describe('normalizeEmail', () => {
  const good: Array<[string, string]> = [
    ['li@example.com', 'li@example.com'],
    ['  Li.Wei@Example.COM ', 'li.wei@example.com'],
    ['mailto:ann@example.org', 'ann@example.org'],
    ['ＬＩ＠ＥＸＡＭＰＬＥ．ＣＯＭ', 'li@example.com'], // full-width (NFKC)
    ['first+tag@sub.example.co.uk', 'first+tag@sub.example.co.uk'],
    ["o'brien@example.ie", "o'brien@example.ie"],
    ['a@b-c.io', 'a@b-c.io'],
    [`${'x'.repeat(64)}@example.com`, `${'x'.repeat(64)}@example.com`],
  ];
  it.each(good)('%j -> %j', (raw, want) => expect(normalizeEmail(raw)).toEqual({ ok: true, email: want }));

  const bad = [
    'not-an-address',
    'li@',
    '@example.com',
    'li@localhost',
    'li@@example.com',
    'li wei@example.com',
    'li@exa mple.com',
    'li@-example.com',
    'li@example-.com',
    'li@example..com',
    '"li"@example.com',
    'li@example.com, ann@example.com',
    `${'x'.repeat(65)}@example.com`,
    `li@${'d'.repeat(250)}.com`,
    '',
  ];
  it.each(bad)('%j is rejected', (raw) => {
    const r = normalizeEmail(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe('invalid_email');
  });
});
