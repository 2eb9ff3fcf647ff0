/**
 * Signed unsubscribe tokens for links in e-mail (List-Unsubscribe, footer) and SMS.
 *
 * token = base64url(payload) "." base64url(HMAC-SHA256(secret, base64url(payload)))
 * payload = JSON [version, contactId, channel, campaignId, expiry in Unix seconds]
 *
 * The MAC covers the encoded payload bytes exactly as sent, so there is no canonicalisation to
 * get wrong; verification compares MACs in constant time and checks the expiry only after the
 * MAC, so a forged token learns nothing. Several secrets allow rotation: sign with the first,
 * accept any. Pure except node:crypto: the caller passes the clock.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const UNSUBSCRIBE_CHANNELS = ['sms', 'email', 'all'] as const;
export type UnsubscribeChannel = (typeof UNSUBSCRIBE_CHANNELS)[number];

export interface UnsubscribeClaims {
  contactId: string;
  channel: UnsubscribeChannel;
  campaignId: string;
  /** After this instant the link no longer works (whole seconds). */
  expiresAt: Date;
}

export type VerifyUnsubscribeResult =
  | { ok: true; claims: UnsubscribeClaims }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

const VERSION = 1;
const B64URL = /^[A-Za-z0-9_-]+$/;
/** Below this, a secret is guessable: refuse it rather than sign with it. */
const MIN_SECRET_BYTES = 16;

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload, 'utf8').digest();
}

function checkSecrets(secrets: readonly string[]): void {
  if (secrets.length === 0) throw new Error('unsubscribe: no secret configured');
  for (const s of secrets) if (Buffer.byteLength(s, 'utf8') < MIN_SECRET_BYTES) throw new Error(`unsubscribe: secret shorter than ${MIN_SECRET_BYTES} bytes`);
}

const asList = (secret: string | readonly string[]) => (typeof secret === 'string' ? [secret] : secret);

export function signUnsubscribeToken(claims: UnsubscribeClaims, secret: string | readonly string[]): string {
  const secrets = asList(secret);
  checkSecrets(secrets);
  if (!claims.contactId || !claims.campaignId) throw new Error('unsubscribe: contactId and campaignId are required');
  if (!UNSUBSCRIBE_CHANNELS.includes(claims.channel)) throw new Error(`unsubscribe: unknown channel ${String(claims.channel)}`);
  const exp = Math.floor(claims.expiresAt.getTime() / 1000);
  if (!Number.isSafeInteger(exp)) throw new Error('unsubscribe: invalid expiresAt');
  const payload = Buffer.from(JSON.stringify([VERSION, claims.contactId, claims.channel, claims.campaignId, exp]), 'utf8').toString('base64url');
  return `${payload}.${mac(secrets[0]!, payload).toString('base64url')}`;
}

export function verifyUnsubscribeToken(token: string, secret: string | readonly string[], now: Date): VerifyUnsubscribeResult {
  const secrets = asList(secret);
  checkSecrets(secrets);
  const parts = typeof token === 'string' ? token.split('.') : [];
  const [payload, signature] = parts;
  if (parts.length !== 2 || !payload || !signature || !B64URL.test(payload) || !B64URL.test(signature)) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(signature, 'base64url');
  // Re-encoding must give the same text: rejects non-canonical base64url (extra trailing bits).
  if (given.length !== 32 || given.toString('base64url') !== signature) return { ok: false, reason: 'bad_signature' };
  if (!secrets.some((s) => timingSafeEqual(mac(s, payload), given))) return { ok: false, reason: 'bad_signature' };

  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!Array.isArray(decoded) || decoded.length !== 5) return { ok: false, reason: 'malformed' };
  const [version, contactId, channel, campaignId, exp] = decoded as unknown[];
  if (
    version !== VERSION ||
    typeof contactId !== 'string' ||
    typeof campaignId !== 'string' ||
    !UNSUBSCRIBE_CHANNELS.includes(channel as UnsubscribeChannel) ||
    typeof exp !== 'number' ||
    !Number.isSafeInteger(exp)
  ) {
    return { ok: false, reason: 'malformed' };
  }
  if (now.getTime() >= exp * 1000) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { contactId, channel: channel as UnsubscribeChannel, campaignId, expiresAt: new Date(exp * 1000) } };
}

/** `${publicBaseUrl}/unsubscribe/${token}` (the server route that verifies it). */
export function unsubscribeUrl(publicBaseUrl: string, token: string): string {
  return new URL(`unsubscribe/${token}`, publicBaseUrl.endsWith('/') ? publicBaseUrl : `${publicBaseUrl}/`).toString();
}
