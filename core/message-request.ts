/**
 * The single transactional message of the HTTP API (`POST /v1/messages`): what a request may say,
 * checked with one clear reason per problem, and the one-recipient transactional campaign it
 * becomes. Pure: the edge parses JSON and resolves the contact, the use case hashes and stores.
 */
import { CONTACT_REF } from './api-tokens';
import { normalizePhone } from './phone';

/** Longest idempotency key taken (printable ASCII, as HTTP header values are). */
export const MAX_IDEMPOTENCY_KEY = 200;
/** Twilio's limit of a message body (about ten concatenated segments). */
export const MAX_SMS_TEXT = 1_600;
export const MAX_EMAIL_TEXT = 100_000;
export const MAX_EMAIL_SUBJECT = 200;

export type MessageChannel = 'sms' | 'email';

/** Who the message is for: a contact id, or the E.164 number of a contact. */
/** The contact by its API reference (ct_..., never the sequential id: it could be walked), or by phone. */
export type MessageTarget = { contactRef: string } | { e164: string };

export interface MessageRequest {
  target: MessageTarget;
  channel: MessageChannel;
  text: string;
  subject: string | null;
  urgent: boolean;
}

/** 400: not the shape of a request at all; 422: the shape, with a value that cannot be used. */
export type RequestProblem = { status: 400 | 422; reason: string; error: string };

export type Checked<T> = { ok: true; value: T } | ({ ok: false } & RequestProblem);

const bad = (status: 400 | 422, reason: string, error: string): { ok: false } & RequestProblem => ({ ok: false, status, reason, error });

/** The Idempotency-Key header: required, 1–200 printable characters, not only spaces. */
export function checkIdempotencyKey(raw: string | string[] | undefined): Checked<string> {
  if (raw === undefined || raw === '') return bad(400, 'idempotency_key_missing', 'the Idempotency-Key header is required (1-200 printable characters, unique per message)');
  if (Array.isArray(raw)) return bad(400, 'idempotency_key_repeated', 'send one Idempotency-Key header');
  if (raw.length > MAX_IDEMPOTENCY_KEY) return bad(400, 'idempotency_key_too_long', `the Idempotency-Key is ${raw.length} characters long; at most ${MAX_IDEMPOTENCY_KEY}`);
  if (!/^[\x20-\x7E]+$/.test(raw) || !raw.trim()) return bad(400, 'idempotency_key_invalid', 'the Idempotency-Key must be printable ASCII characters, not only spaces');
  return { ok: true, value: raw };
}

/** No lone surrogate (JSON lets one through; PostgreSQL refuses it in jsonb). */
const wellFormed = (s: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

const KNOWN_FIELDS = new Set(['contact_id', 'phone', 'channel', 'text', 'subject', 'urgent']);

/** The body, already parsed from JSON: the request, or why it cannot be one. */
export function checkMessageRequest(body: unknown): Checked<MessageRequest> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return bad(400, 'not_an_object', 'the body must be a JSON object: {"contact_id" | "phone", "channel"?, "text", "subject"?, "urgent"?}');
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !KNOWN_FIELDS.has(k));
  if (unknown.length) return bad(422, 'unknown_field', `unknown field(s): ${unknown.join(', ')}; known: ${[...KNOWN_FIELDS].join(', ')}`);

  let target: MessageTarget;
  if (b.contact_id !== undefined && b.phone !== undefined) return bad(422, 'two_recipients', 'name the contact by "contact_id" or by "phone", not both');
  if (b.contact_id !== undefined) {
    if ((typeof b.contact_id === 'number' && Number.isSafeInteger(b.contact_id) && b.contact_id > 0) || (typeof b.contact_id === 'string' && /^[1-9]\d{0,15}$/.test(b.contact_id)))
      return bad(422, 'sequential_contact_id', '"contact_id" takes the contact\'s reference (ct_..., shown by `reachloop contact show`), not its sequential id');
    if (typeof b.contact_id !== 'string' || !CONTACT_REF.test(b.contact_id)) return bad(422, 'bad_contact_id', '"contact_id" must be a contact reference: ct_ and 32 hex digits');
    target = { contactRef: b.contact_id };
  } else if (b.phone !== undefined) {
    if (typeof b.phone !== 'string' || !b.phone.trim()) return bad(422, 'bad_phone', '"phone" must be a phone number in E.164, e.g. +12125550100');
    const p = normalizePhone(b.phone, {});
    if (!p.ok) return bad(422, 'bad_phone', `"phone" is not a usable number (${p.reason}): give it in E.164 with its country code`);
    target = { e164: p.e164 };
  } else return bad(422, 'no_recipient', 'name the contact: "contact_id" or "phone"');

  const channel = b.channel ?? 'sms';
  if (channel !== 'sms' && channel !== 'email') return bad(422, 'bad_channel', `"channel" must be "sms" or "email" (got ${JSON.stringify(channel)?.slice(0, 40)})`);
  if (b.urgent !== undefined && typeof b.urgent !== 'boolean') return bad(422, 'bad_urgent', '"urgent" must be true or false');

  if (typeof b.text !== 'string' || !b.text.trim()) return bad(422, 'no_text', '"text" is required: the message body');
  const limit = channel === 'sms' ? MAX_SMS_TEXT : MAX_EMAIL_TEXT;
  if (b.text.length > limit) return bad(422, 'text_too_long', `"text" is ${b.text.length} characters long; an ${channel === 'sms' ? 'SMS' : 'e-mail'} takes at most ${limit}`);
  if (/\p{Cc}/u.test(b.text.replace(/[\n\r\t]/g, '')) || !wellFormed(b.text)) return bad(422, 'bad_text', '"text" contains control characters or broken Unicode (a lone surrogate)');

  let subject: string | null = null;
  if (channel === 'email') {
    if (typeof b.subject !== 'string' || !b.subject.trim()) return bad(422, 'no_subject', 'an e-mail needs a "subject"');
    if (b.subject.length > MAX_EMAIL_SUBJECT) return bad(422, 'subject_too_long', `"subject" is ${b.subject.length} characters long; at most ${MAX_EMAIL_SUBJECT}`);
    if (/\p{Cc}/u.test(b.subject) || !wellFormed(b.subject)) return bad(422, 'bad_subject', '"subject" must be one line without control characters');
    subject = b.subject;
  } else if (b.subject !== undefined) return bad(422, 'subject_on_sms', '"subject" is for e-mail only; an SMS has a "text"');

  return { ok: true, value: { target, channel, text: b.text, subject, urgent: b.urgent === true } };
}

/**
 * The request in one canonical string, whatever the order of its fields or their defaults: two
 * requests under one idempotency key are the same message when these are equal.
 */
export function canonicalRequest(r: MessageRequest): string {
  const target = 'contactRef' in r.target ? { contact_id: r.target.contactRef } : { phone: r.target.e164 };
  return JSON.stringify({ ...target, channel: r.channel, subject: r.subject, text: r.text, urgent: r.urgent });
}

/** The name of a message's campaign: the random id its workflow is named by (never a hash of the key). */
export const messageCampaignName = (nonce: string) => `message ${nonce}`;

/**
 * The one-recipient transactional campaign of a message (parsed by core/campaign/definition.ts,
 * whose problems, such as an unknown {{variable}}, are the caller's 422).
 */
export function messageCampaign(r: MessageRequest, contactId: number, name: string): Record<string, unknown> {
  const templates = r.channel === 'sms' ? { sms: { en: r.text } } : { email: { en: { subject: r.subject!, text: r.text } } };
  return {
    name,
    category: 'transactional',
    urgent: r.urgent,
    audience: { contactIds: [contactId] },
    channels: { A: r.channel, B: r.channel, C: r.channel, D: r.channel },
    fallback: false,
    templates,
  };
}
