import { describe, expect, it } from 'vitest';
import { canonicalRequest, checkIdempotencyKey, checkMessageRequest, messageCampaign, type MessageRequest } from '../../core/message-request';
import { parseCampaign } from '../../core/campaign/definition';

const REF = `ct_${'ab'.repeat(16)}`;
const ok = (body: unknown): MessageRequest => {
  const r = checkMessageRequest(body);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

describe('the single-message request', () => {
  it.each([
    [undefined, 'idempotency_key_missing'],
    ['', 'idempotency_key_missing'],
    [['a', 'b'], 'idempotency_key_repeated'],
    ['k'.repeat(201), 'idempotency_key_too_long'],
    ['   ', 'idempotency_key_invalid'],
    ['café', 'idempotency_key_invalid'],
  ])('key %j is refused (%s)', (key, reason) => {
    expect(checkIdempotencyKey(key as string)).toMatchObject({ ok: false, status: 400, reason });
  });

  it('takes a 200-character printable key', () => {
    expect(checkIdempotencyKey('k'.repeat(200))).toEqual({ ok: true, value: 'k'.repeat(200) });
  });

  it.each([
    [[1, 2], 400, 'not_an_object'],
    [{ phone: '+12125550150', contact_id: REF, text: 'x' }, 422, 'two_recipients'],
    [{ contact_id: 42, text: 'x' }, 422, 'sequential_contact_id'],
    [{ contact_id: '42', text: 'x' }, 422, 'sequential_contact_id'],
    [{ contact_id: -3, text: 'x' }, 422, 'bad_contact_id'],
    [{ contact_id: 'ct_42', text: 'x' }, 422, 'bad_contact_id'],
    [{ contact_id: REF, text: 'x', foo: 1 }, 422, 'unknown_field'],
    [{ contact_id: REF, channel: 'push', text: 'x' }, 422, 'bad_channel'],
    [{ contact_id: REF, text: 'x'.repeat(1_601) }, 422, 'text_too_long'],
    [{ contact_id: REF, text: 'x', subject: 'S' }, 422, 'subject_on_sms'],
    [{ contact_id: REF, channel: 'email', subject: 'a\nb', text: 'x' }, 422, 'bad_subject'],
  ])('%j -> %i %s', (body, status, reason) => {
    expect(checkMessageRequest(body)).toMatchObject({ ok: false, status, reason });
  });

  it('the same message with fields reordered, defaults spelt out or the number formatted otherwise has one canonical form', () => {
    const a = ok({ phone: '+1 (212) 555-0150', text: 'Your code is 1' });
    const b = ok({ urgent: false, text: 'Your code is 1', channel: 'sms', phone: '+12125550150' });
    expect(canonicalRequest(a)).toBe(canonicalRequest(b));
    expect(canonicalRequest(ok({ phone: '+12125550150', text: 'Your code is 1', urgent: true }))).not.toBe(canonicalRequest(a));
  });

  it('becomes a valid one-recipient transactional campaign on its channel for every tier', () => {
    const def = parseCampaign(messageCampaign(ok({ contact_id: REF, channel: 'email', subject: 'Receipt', text: 'Order 77', urgent: true }), 7, 'message x'));
    expect(def).toMatchObject({ category: 'transactional', urgent: true, audience: { contactIds: [7] }, channels: { A: 'email', D: 'email' }, templates: { email: { en: { subject: 'Receipt', text: 'Order 77' } } } });
  });
});
