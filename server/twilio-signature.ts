/**
 * X-Twilio-Signature verification for Twilio webhooks (status callbacks, inbound messages), and
 * a replay guard.
 *
 * The signature check is delegated to the `twilio` library (validateRequest /
 * validateRequestWithBody), which signs exactly as Twilio does: base64(HMAC-SHA1(auth token,
 * full URL incl. query string + for each POST param sorted by key: key + value)), repeated keys
 * de-duplicated and sorted. This module adds only input checks and a reason for a rejection.
 *
 * What the caller must get right (see test/fixtures/twilio_signature.json):
 * - `url` is the public URL exactly as configured at Twilio (scheme, host, path, trailing slash,
 *   query string byte-for-byte). Behind a TLS-terminating proxy, rebuild the https URL; never
 *   re-serialise the query string. twilio-node accepts the URL with or without its port (it
 *   tries the port stripped, and the default port added), so a :443 mismatch is harmless.
 * - `params` are the form-DECODED POST body fields exactly as received: no defaults added
 *   (an empty ErrorCode that Twilio did not send breaks the signature), none removed, and not the
 *   query-string fields (those are already part of the URL).
 * - JSON-body webhooks (URL carries bodySHA256): pass the raw body text, not re-serialised JSON.
 */
import { createHash } from 'node:crypto';
import twilio from 'twilio';

export type TwilioParams = Readonly<Record<string, string | readonly string[]>>;

export type VerifyFailureReason =
  | 'missing_auth_token'
  | 'missing_signature'
  | 'malformed_signature'
  | 'invalid_url'
  | 'missing_body_hash'
  | 'body_hash_mismatch'
  | 'signature_mismatch';

export type VerifyResult = { ok: true } | { ok: false; reason: VerifyFailureReason };

/** An HMAC-SHA1 digest in base64 is always 28 characters: 27 of the alphabet and one '='. */
const SIGNATURE_SHAPE = /^[A-Za-z0-9+/]{27}=$/;

/** The header value: Node gives string | string[] | undefined; a repeated header is rejected. */
type SignatureHeader = string | readonly string[] | undefined | null;

function precheck(authToken: string, url: string, signature: SignatureHeader): VerifyResult | string {
  if (!authToken) return { ok: false, reason: 'missing_auth_token' };
  if (signature == null || signature === '') return { ok: false, reason: 'missing_signature' };
  if (typeof signature !== 'string') {
    // Two X-Twilio-Signature headers: not something Twilio sends.
    return { ok: false, reason: 'malformed_signature' };
  }
  if (!SIGNATURE_SHAPE.test(signature)) return { ok: false, reason: 'malformed_signature' };
  try {
    // validateRequest falls back to `new URL(url)`, which throws on a malformed URL.
    new URL(url);
  } catch {
    return { ok: false, reason: 'invalid_url' };
  }
  return signature;
}

/** Verify a form-encoded (application/x-www-form-urlencoded) webhook request. */
export function verifyTwilioRequest(input: {
  authToken: string;
  url: string;
  params: TwilioParams;
  signature: SignatureHeader;
}): VerifyResult {
  const pre = precheck(input.authToken, input.url, input.signature);
  if (typeof pre !== 'string') return pre;
  // The library treats arrays as repeated keys; copy so it cannot see a frozen/readonly object.
  const params: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(input.params)) params[k] = typeof v === 'string' ? v : [...v];
  const valid = twilio.validateRequest(input.authToken, pre, input.url, params);
  return valid ? { ok: true } : { ok: false, reason: 'signature_mismatch' };
}

/**
 * Verify a JSON-body webhook: the URL carries bodySHA256 (hex SHA-256 of the raw body), the
 * signature covers the URL only, and the raw body must hash to bodySHA256.
 */
export function verifyTwilioJsonRequest(input: {
  authToken: string;
  url: string;
  rawBody: string;
  signature: SignatureHeader;
}): VerifyResult {
  const pre = precheck(input.authToken, input.url, input.signature);
  if (typeof pre !== 'string') return pre;
  const bodyHash = new URL(input.url).searchParams.get('bodySHA256');
  if (!bodyHash) return { ok: false, reason: 'missing_body_hash' };
  if (twilio.validateRequestWithBody(input.authToken, pre, input.url, input.rawBody)) return { ok: true };
  // Only to name the reason: is the URL signature itself good (then the body was changed)?
  const urlSignatureOk = twilio.validateRequest(input.authToken, pre, input.url, {});
  return { ok: false, reason: urlSignatureOk ? 'body_hash_mismatch' : 'signature_mismatch' };
}

// ---------------------------------------------------------------------------------------------
// Replay guard

/**
 * A set of keys already processed. `addIfAbsent` must be atomic (e.g. INSERT ... ON CONFLICT DO
 * NOTHING RETURNING, or SET NX with a TTL) and return true when the key was new. Entries can
 * expire after a few days: Twilio does not resend a callback that long after.
 */
export interface SeenSet {
  addIfAbsent(key: string): boolean | Promise<boolean>;
}

export type ReplayVerdict =
  | { ok: true; key: string }
  | { ok: false; reason: 'replayed'; key: string }
  | { ok: false; reason: 'missing_message_sid' };

function first(v: string | readonly string[] | undefined): string | undefined {
  if (v == null) return undefined;
  const s = typeof v === 'string' ? v : v[0];
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}

/**
 * The replay key of a callback: (MessageSid, MessageStatus or SmsStatus, signature). The
 * signature is hashed so the key has a fixed length. A status callback for the same message
 * with a new status is a new key; the identical request sent again is not.
 */
export function replayKey(params: TwilioParams, signature: string): string | null {
  const sid = first(params['MessageSid']) ?? first(params['SmsMessageSid']) ?? first(params['SmsSid']);
  if (!sid) return null;
  const status = first(params['MessageStatus']) ?? first(params['SmsStatus']) ?? '';
  const sigHash = createHash('sha256').update(signature, 'utf8').digest('base64url').slice(0, 22);
  return `twilio:${sid}:${status.toLowerCase()}:${sigHash}`.replace(/\u0000/g, ''); // stored as text: no NUL
}

/**
 * Reject a repeated (MessageSid, status, signature) tuple. Call it only AFTER the signature
 * verified, so forged requests cannot fill the set. A replay is not necessarily an attack:
 * Twilio retries a webhook whose response it did not get, so the server should answer a
 * 'replayed' verdict with 200 and do nothing, not with an error that invites more retries.
 */
export async function checkReplay(input: {
  params: TwilioParams;
  signature: string;
  seen: SeenSet;
}): Promise<ReplayVerdict> {
  const key = replayKey(input.params, input.signature);
  if (key === null) return { ok: false, reason: 'missing_message_sid' };
  const fresh = await input.seen.addIfAbsent(key);
  return fresh ? { ok: true, key } : { ok: false, reason: 'replayed', key };
}

/**
 * In-process SeenSet for the embedded single-process default and tests. Bounded: the oldest key
 * is forgotten once `maxEntries` is reached. Several server processes need a shared one (Postgres).
 */
export function createMemorySeenSet(maxEntries = 100_000): SeenSet & { readonly size: number } {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  const keys = new Set<string>();
  return {
    get size() {
      return keys.size;
    },
    addIfAbsent(key: string): boolean {
      if (keys.has(key)) return false;
      keys.add(key);
      if (keys.size > maxEntries) {
        const oldest = keys.values().next();
        if (!oldest.done) keys.delete(oldest.value);
      }
      return true;
    },
  };
}
