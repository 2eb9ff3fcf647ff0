/**
 * Inbound SMS (Twilio's inbound webhook) and e-mail unsubscribe links, written to Postgres where
 * the next send decision reads them:
 *   opt-out (STOP, 退订, T, "please stop texting me", or a keyword the contact's latest marketing SMS
 *     offered, e.g. N after "回N退订") -> an sms opt_out suppression with its proof
 *     (message id, text sealed, time) and an `unsubscribe` event; from a number that is no contact yet,
 *     kept by phone hash (db/pending-optouts.ts) and applied when the number is imported;
 *   opt-in (START, UNSTOP, YES)   -> the contact's sms opt-outs are removed (21610 ones too), or the
 *     number's pending one; a YES from a contact asked to confirm SMS marketing (consent confirm-sms)
 *     double-opts-in its SMS consent with the reply as proof;
 *   help (HELP, INFO)             -> nothing stored; the caller answers with the auto-reply;
 *   a complaint ("spam", "report you", 举报, 投诉, 骚扰; core/complaints.ts) -> a complaint with its
 *     proof (services/complaints.ts), besides an opt-out it may also be; never an `sms_reply`;
 *   anything else                 -> an `sms_reply` event (activity and score go up).
 * The replay guard (twilio_webhooks) is written in the same transaction, so a replayed STOP after
 * a START never opts the contact out again. The auto-reply answers HELP and STOP from anyone (the
 * carriers require it), but a START from an erased person's number (or a contact holding their
 * number or address, db/privacy.ts) gets none: their suppression stays, so no text says otherwise.
 */
import { autoReply } from '../core/auto-reply';
import { classifyInbound, type InboundClassification, type InboundContext, type InboundKind } from '../core/keywords';
import { smsComplaintOf } from '../core/complaints';
import { DEFAULT_RULES } from '../core/events';
import { inboundPolicyFor, offeredOptOutKeywords, type OptOutOffer } from '../core/opt-out-offer';
import { latestMarketingSms } from '../db/sent-sms';
import { loadRecipients } from '../db/recipients';
import { buildSms } from './messages';
import { normalizePhone } from '../core/phone';
import type { ScorePolicy } from '../core/score-policy';
import { contactByPhoneHash } from '../db/contact-profile';
import { phoneHash } from '../db/contacts';
import { insertWebhookReceipts, setWebhookResults } from '../db/feedback';
import { cancelPendingOptOuts, recordPendingOptOut, settlePendingOptOuts } from '../db/pending-optouts';
import { confirmSmsConsent } from '../db/consent-confirmations';
import type { Pool } from '../db/pool';
import { erasedContacts, isErasedPhoneHash } from '../db/privacy';
import { sealedBody } from '../db/sealed-fields';
import { insertSuppressions, removeOptOuts, type SuppressionChannel } from '../db/suppressions';
import { applyComplaintsIn } from './complaints';
import { ingestEvents, type EventInput } from './events';

export interface InboundDeps {
  pool: Pool;
  policy: ScorePolicy;
  now: () => Date | Promise<Date>;
  log: (message: string) => void;
}

export interface InboundSms {
  replayKey: string;
  messageSid: string;
  from: string;
  to: string;
  body: string;
}

export interface InboundResult {
  replayed: boolean;
  kind: InboundKind;
  classification: InboundClassification;
  contactId: number | null;
  /** Text to answer with (TwiML), or null. */
  reply: string | null;
}

/** Raised inside the transaction to roll back everything when the request is a replay. */
class Replayed extends Error {}

const BODY_KEPT = 1_600;

/**
 * `context` 'recovery_confirmation' when the sender has a number confirmation pending: its Y / YES
 * answers that question (an sms_reply event), it is not an opt-in.
 */
export async function applyInboundSms(deps: InboundDeps, m: InboundSms, opts: { brand?: string; helpContact?: string; context?: InboundContext } = {}): Promise<InboundResult> {
  const at = await deps.now();
  const context = opts.context ?? 'default';
  let classification = classifyInbound(m.body, { context });
  const complaint = smsComplaintOf(m.body);
  const phone = normalizePhone(m.from, {});
  const hash = phone.ok ? phoneHash(phone.e164) : null;
  const contact = (hash ? await contactByPhoneHash(deps.pool, hash) : undefined) ?? null;
  // "N" after "回N退订": a keyword the latest marketing SMS offered for opting out is one.
  let offeredBy: { campaignId: number; ledgerId: string; rule: string } | null = null;
  if (contact && classification.kind === 'other' && [...m.body.trim()].length <= OFFERED_REPLY_MAX) {
    const offered = await optOutOfferTo(deps.pool, contact.id);
    const again = offered && classifyInbound(m.body, inboundPolicyFor(offered.offer, context));
    if (offered && again?.kind === 'opt_out') {
      classification = again;
      const rule = offered.offer.found.find((f) => f.keyword.toUpperCase() === again.keyword?.toUpperCase())?.rule ?? 'offered';
      offeredBy = { campaignId: offered.campaignId, ledgerId: offered.ledgerId, rule };
    }
  }
  const kind = classification.kind;
  // People text their e-mail, a new number or an address back: the text is kept sealed only (db/sealed-fields.ts).
  const body = sealedBody(m.body.slice(0, BODY_KEPT));

  // The event that goes with it; ingestEvents runs the whole thing in one transaction.
  const events: EventInput[] = [];
  const occurredAt = at.toISOString();
  const subject = contact ? { contact_id: contact.id } : phone.ok ? { phone: phone.e164 } : null;
  if (subject && kind === 'opt_out') events.push({ key: 0, raw: { event_id: `twilio:${m.messageSid}`, event: 'unsubscribe', ...subject, occurred_at: occurredAt, properties: { channel: 'sms', message_sid: m.messageSid } } });
  if (subject && (kind === 'confirm_yes' || (kind === 'other' && !complaint.complaint))) {
    events.push({
      key: 0,
      raw: {
        event_id: `twilio:${m.messageSid}`,
        event: 'sms_reply',
        ...subject,
        occurred_at: occurredAt,
        properties: { message_sid: m.messageSid, ...body, ...(classification.keyword ? { keyword: classification.keyword } : {}), ...(classification.needsReview ? { needs_review: true, review_reason: classification.reason } : {}) },
      },
    });
  }

  let result = 'reply';
  try {
    await ingestEvents(deps, events, {
      rules: DEFAULT_RULES,
      defaultCountry: undefined,
      defaultSource: 'twilio',
      importId: null,
      publicApi: false,
      maskPersonalData: false, // its only text, the reply, is sealed
      onCommit: async (client) => {
        const fresh = await insertWebhookReceipts(client, [{ key: m.replayKey, kind: 'inbound', messageSid: m.messageSid, status: 'received', errorCode: null }]);
        if (!fresh.has(m.replayKey)) throw new Replayed();
        const proof = { messageSid: m.messageSid, ...body, receivedAt: occurredAt, keyword: classification.keyword ?? null, basis: classification.basis, reason: classification.reason, to: m.to, ...(offeredBy ? { offeredBy } : {}) };
        if (!contact) {
          // Not a contact (yet): the opt-out waits for the number's import; an opt-in cancels one waiting.
          result = `unmatched_${kind}`;
          if (hash && kind === 'opt_out') {
            await recordPendingOptOut(client, { phoneHash: hash, channel: 'sms', source: 'sms_keyword', proof }, at);
            result = 'pending_opt_out';
          } else if (hash && kind === 'opt_in' && (await cancelPendingOptOuts(client, hash, 'sms'))) result = 'pending_opt_out_cancelled';
        } else if (kind === 'opt_out') {
          await insertSuppressions(client, [{ contactId: contact.id, channel: 'sms', kind: 'opt_out', source: 'sms_keyword', proof }], at);
          result = 'opt_out';
        } else if (kind === 'opt_in') {
          const removed = await removeOptOuts(client, contact.id, 'sms' satisfies SuppressionChannel);
          result = removed ? 'opt_in' : 'opt_in_noop';
          // YES to "Reply YES to receive offers by SMS" (reachloop consent confirm-sms): the double opt-in.
          // A YES that answers a pending number confirmation never gets here (context recovery_confirmation).
          if (classification.keyword === 'YES' && (await confirmSmsConsent(client, contact.id, 'marketing', proof, at))) result = 'double_opt_in';
        } else result = kind === 'help' ? 'help' : 'reply';
        if (contact && complaint.complaint) {
          const complaintProof = { messageSid: m.messageSid, ...body, receivedAt: occurredAt, keyword: complaint.keyword ?? null, reason: complaint.reason };
          await applyComplaintsIn(client, deps, [{ contactId: contact.id, channel: 'sms', source: 'sms_reply', reportKey: `sms:reply:${m.messageSid}`, ledgerId: null, at, proof: complaintProof }], at);
          result = kind === 'opt_out' ? 'opt_out_complaint' : 'complaint';
        }
        await setWebhookResults(client, [{ key: m.replayKey, result, ledgerId: null, contactId: contact?.id ?? null }]);
      },
    });
  } catch (err) {
    if (err instanceof Replayed) return { replayed: true, kind, classification, contactId: contact?.id ?? null, reply: null };
    throw err;
  }
  // The number may have become a contact in a transaction that committed meanwhile (an import).
  const settled = result === 'pending_opt_out' && hash ? await settlePendingOptOuts(deps.pool, [hash]) : 0;
  if (result === 'pending_opt_out' && !settled) deps.log(`opt-out from a number that is no contact (message ${m.messageSid}): kept, it applies when the number is imported`);
  const erased = kind === 'opt_in' && (contact ? (await erasedContacts(deps.pool, [contact.id])).size > 0 : hash !== null && (await isErasedPhoneHash(deps.pool, hash)));
  if (erased) deps.log(`inbound opt-in ${m.messageSid} from an erased person's number: no reply, the suppression stays`);
  const reply = kind === 'help' || kind === 'opt_out' || (kind === 'opt_in' && !erased) ? autoReply(kind, contact?.language ?? 'en', opts.brand ?? '', opts.helpContact ? { helpContact: opts.helpContact } : {}) : null;
  return { replayed: false, kind, classification, contactId: contact?.id ?? null, reply };
}

/** Replies longer than this are never a keyword an SMS offered (keywords are 1-8 characters). */
const OFFERED_REPLY_MAX = 12;

/**
 * The opt-out keywords of the contact's latest marketing SMS: its text rebuilt as it was sent
 * (buildSms from the campaign and the contact, as reconciliation does; tracked links are left long,
 * they carry no instruction) read by core/opt-out-offer.ts, plus the campaign's optOutKeywords.
 */
async function optOutOfferTo(pool: Pool, contactId: number): Promise<{ offer: OptOutOffer; campaignId: number; ledgerId: string } | null> {
  const last = await latestMarketingSms(pool, contactId);
  if (!last?.definition.templates.sms) return null;
  const record = (await loadRecipients(pool, [contactId], 'marketing')).get(contactId);
  if (!record) return null;
  const { links: _links, ...def } = last.definition;
  const offer = offeredOptOutKeywords(buildSms(def, record).text, last.definition.optOutKeywords ?? []);
  return offer.keywords.length ? { offer, campaignId: last.campaignId, ledgerId: last.ledgerId } : null;
}

/** An unsubscribe link was used: suppress the channel it names (e-mail, sms or all) for this contact. */
export async function applyUnsubscribeLink(
  deps: InboundDeps,
  u: { contactId: number; channel: SuppressionChannel; campaignId: string; method: 'one_click' | 'form' },
): Promise<{ ok: boolean }> {
  const at = await deps.now();
  const occurredAt = at.toISOString();
  const channels = u.channel === 'all' ? undefined : u.channel;
  let ok = false;
  await ingestEvents(
    deps,
    [{ key: 0, raw: { event_id: `unsubscribe:${u.contactId}:${u.channel}:${u.campaignId}`, event: 'unsubscribe', contact_id: u.contactId, occurred_at: occurredAt, properties: channels ? { channel: channels } : {} } }],
    {
      rules: DEFAULT_RULES,
      defaultCountry: undefined,
      defaultSource: 'unsubscribe_link',
      importId: null,
      publicApi: false,
      onCommit: async (client, results) => {
        if (results[0]?.status === 'rejected') return; // the contact is gone
        await insertSuppressions(client, [{ contactId: u.contactId, channel: u.channel, kind: 'opt_out', source: 'unsubscribe_link', proof: { campaignId: u.campaignId, method: u.method, at: occurredAt } }], at);
        ok = true;
      },
    },
  );
  return { ok };
}
