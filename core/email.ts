/** E-mail addresses: normalised for matching (NFKC, trimmed, lower-cased), with a plain shape check. */

export type EmailResult = { ok: true; email: string } | { ok: false; reason: 'invalid_email'; message: string };

// Local part and domain as RFC 5322 "dot-atom" in practice: no spaces, one @, a dotted domain.
const SHAPE = /^[^\s@"(),:;<>[\\\]]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;

export function normalizeEmail(raw: string): EmailResult {
  const email = raw.normalize('NFKC').trim().toLowerCase().replace(/^mailto:/, '');
  if (email.length > 254 || !SHAPE.test(email) || email.split('@')[0]!.length > 64)
    return { ok: false, reason: 'invalid_email', message: 'not an e-mail address (expected name@domain.tld)' };
  return { ok: true, email };
}
