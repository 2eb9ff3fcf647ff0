import { complaintsOf, type StoredComplaint } from './complaints';
import { openedIn } from './sealed-fields';
import type { Pool } from './pool';
import { dataCodec } from '../infra/data-keys';

/** One input's contribution to the score: which input, its value, the points and the policy rule. */
export interface ScorePartView {
  group: string;
  input: string;
  value: unknown;
  points: number;
  rule: string;
}

export interface ContactProfile {
  id: number;
  /** The contact's reference in the API (ct_..., contacts.public_id); null for an erased contact. */
  publicId: string | null;
  phone: string;
  extension: string | null;
  lineType: string;
  country: string | null;
  region: string | null;
  currency: string | null;
  language: string | null;
  timeZones: string[];
  name: string | null;
  emails: string[];
  validity: string;
  numberStatus: string;
  smsEligible: boolean;
  channelTags: string[];
  sources: string[];
  /** What the source's files say of the customer: its customer ids (per source), the survivor's channel tag, dates, counts and address. */
  fromSource: {
    customerIds: Array<{ source: string; id: string }>;
    channelTag: string | null;
    registeredAt: string | null;
    firstOrderAt: string | null;
    orderCount: number | null;
    orderCurrency: string | null;
    shippingAddress: string | null;
  };
  lastOrderAt: string | null;
  orderValue: number | null;
  quarantined: boolean;
  risk: { points: number; reasons: string[] };
  score: { total: number; policyVersion: string; parts: ScorePartView[] };
  tier: { tier: string; reasons: string[] };
  consents: Array<{ channel: string; purpose: string; source: string; grantedAt: string; doubleOptIn: boolean; proof: unknown }>;
  tierHistory: Array<{ at: string; from: string | null; to: string; score: number; cause: string; reasons: string[] }>;
  recheckAfter: string | null;
  /** A silent number: campaigns should prefer the cheaper channel. */
  preferCheaperChannel: boolean;
  orderCount: number;
  /** Counters and last-seen times from behaviour events and delivery outcomes (contacts.activity). */
  activity: Record<string, unknown>;
  /** Changes of the number's status found by rechecks, newest first (at most 10). */
  numberChecks: Array<{ at: string; answer: string; from: string; to: string; outcome: string }>;
  /** Opt-outs and other suppressions in force, with their proof. */
  suppressions: Array<{ channel: string; kind: string; source: string; at: string; proof: unknown }>;
  /** contacts.complaints and every complaint with its proof (ARF report, spam report, reply, carrier block). */
  complaints: { count: number; list: StoredComplaint[] };
  /** Delivery outcomes of the latest sends, newest first (at most 10). */
  deliveries: Array<{ ledgerId: string; campaignId: number | null; channel: string; state: string; providerStatus: string | null; errorCode: string | null; at: string }>;
  /** Changed-number recovery cases opened for this contact (a number that went dead). */
  recoveryCases: Array<{ id: number; reason: string; status: string; detectedAt: string; evidence: unknown }>;
  /** The confirmation cases of the funnel for this customer (recovery_cases), newest first. */
  recovery: Array<{ caseId: number; state: string; candidate: string | null; detectedAt: string; closedAt: string | null }>;
  /** Changed-number merges: where this contact went, and the old contacts merged into this one. */
  identity: {
    mergedInto: { contactId: number; caseId: number | null; at: string } | null;
    aliases: Array<{ contactId: number; phone: string; caseId: number | null; at: string }>;
  };
}

export async function findContactId(pool: Pool, by: { id?: number; phoneHash?: string }): Promise<number | undefined> {
  const { rows } = by.id !== undefined
    ? await pool.query<{ id: string }>('SELECT id FROM contacts WHERE id = $1', [by.id])
    : await pool.query<{ id: string }>('SELECT id FROM contacts WHERE phone_hash = $1', [by.phoneHash]);
  return rows[0] ? Number(rows[0].id) : undefined;
}

/** The contact a number belongs to (by its hash), with the language its replies are answered in. */
export async function contactByPhoneHash(pool: Pool, phoneHash: string): Promise<{ id: number; language: string | null } | undefined> {
  const { rows } = await pool.query<{ id: string; language: string | null }>('SELECT id, language FROM contacts WHERE phone_hash = $1', [phoneHash]);
  return rows[0] ? { id: Number(rows[0].id), language: rows[0].language } : undefined;
}

export async function loadContactProfile(pool: Pool, id: number): Promise<ContactProfile | undefined> {
  const { rows } = await pool.query('SELECT * FROM contacts WHERE id = $1', [id]);
  const c = rows[0];
  if (!c) return undefined;
  const [emails, consents, history, checks, suppressions, deliveries, recovery] = await Promise.all([
    pool.query('SELECT email_enc, added_at FROM contact_emails WHERE contact_id = $1', [id]),
    pool.query('SELECT * FROM consents WHERE contact_id = $1 ORDER BY channel, purpose', [id]),
    pool.query('SELECT * FROM tier_history WHERE contact_id = $1 ORDER BY at, id', [id]),
    pool.query('SELECT * FROM number_checks WHERE contact_id = $1 ORDER BY at DESC, id DESC LIMIT 10', [id]),
    pool.query('SELECT * FROM suppressions WHERE contact_id = $1 ORDER BY created_at, channel, kind', [id]),
    pool.query('SELECT * FROM send_ledger WHERE contact_id = $1 ORDER BY id DESC LIMIT 10', [id]),
    pool.query('SELECT * FROM recovery_candidates WHERE contact_id = $1 ORDER BY id', [id]),
  ]);
  const [cases, mergedInto, aliases, complaintList, customerIds] = await Promise.all([
    pool.query('SELECT id, state, candidate_enc, detected_at, closed_at FROM recovery_cases WHERE contact_id = $1 ORDER BY id DESC LIMIT 10', [id]),
    pool.query('SELECT contact_id, case_id, created_at FROM contact_aliases WHERE old_contact_id = $1', [id]),
    pool.query('SELECT a.old_contact_id, a.case_id, a.created_at, o.phone_enc FROM contact_aliases a JOIN contacts o ON o.id = a.old_contact_id WHERE a.contact_id = $1 ORDER BY a.created_at, a.old_contact_id', [id]),
    complaintsOf(pool, id),
    pool.query('SELECT source, external_id FROM contact_external_ids WHERE contact_id = $1 ORDER BY source, external_id', [id]),
  ]);
  const codec = dataCodec();
  const caseId = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    id: Number(c.id),
    publicId: c.public_id,
    phone: codec.decrypt(c.phone_enc),
    extension: c.phone_extension,
    lineType: c.line_type,
    country: c.country,
    region: c.region,
    currency: c.currency,
    language: c.language,
    timeZones: c.time_zones,
    name: codec.decryptOrNull(c.name_enc),
    emails: emails.rows
      .map((r) => ({ at: r.added_at.getTime(), email: codec.decrypt(r.email_enc) }))
      .sort((a, b) => a.at - b.at || (a.email < b.email ? -1 : a.email > b.email ? 1 : 0))
      .map((r) => r.email),
    validity: c.validity,
    numberStatus: c.number_status,
    smsEligible: c.sms_eligible,
    channelTags: c.channel_tags,
    sources: c.sources,
    fromSource: {
      customerIds: customerIds.rows.map((x) => ({ source: x.source, id: x.external_id })),
      channelTag: c.channel_tag,
      registeredAt: c.registered_at?.toISOString() ?? null,
      firstOrderAt: c.first_order_at?.toISOString() ?? null,
      orderCount: c.source_order_count,
      orderCurrency: c.order_currency,
      shippingAddress: codec.decryptOrNull(c.shipping_address_enc),
    },
    lastOrderAt: c.last_order_at?.toISOString() ?? null,
    orderValue: c.order_value === null ? null : Number(c.order_value),
    quarantined: c.quarantined,
    risk: { points: c.risk_points, reasons: c.risk_reasons },
    score: {
      total: c.score,
      policyVersion: c.policy_version,
      parts: (c.score_parts as Array<[string, string, unknown, number, string]>).map(([group, input, value, points, rule]) => ({ group, input, value, points, rule })),
    },
    tier: { tier: c.tier, reasons: c.tier_reasons },
    consents: consents.rows.map((k) => ({ channel: k.channel, purpose: k.purpose, source: k.source, grantedAt: k.granted_at.toISOString(), doubleOptIn: k.double_opt_in, proof: openedIn('consents', 'proof', k.proof) })),
    tierHistory: history.rows.map((h) => ({ at: h.at.toISOString(), from: h.from_tier, to: h.to_tier, score: h.score, cause: h.cause, reasons: h.reasons })),
    recheckAfter: c.recheck_after?.toISOString() ?? null,
    preferCheaperChannel: c.prefer_cheaper_channel,
    orderCount: c.order_count,
    activity: c.activity,
    numberChecks: checks.rows.map((k) => ({ at: k.at.toISOString(), answer: k.answer, from: k.from_status, to: k.to_status, outcome: k.outcome })),
    complaints: { count: c.complaints, list: complaintList },
    suppressions: suppressions.rows.map((x) => ({ channel: x.channel, kind: x.kind, source: x.source, at: x.created_at.toISOString(), proof: openedIn('suppressions', 'proof', x.proof) })),
    deliveries: deliveries.rows.map((l) => ({
      ledgerId: String(l.id),
      campaignId: l.campaign_id === null ? null : Number(l.campaign_id),
      channel: l.channel,
      state: l.state,
      providerStatus: l.provider_status,
      errorCode: l.error_code,
      at: (l.provider_status_at ?? l.sent_at ?? l.reserved_at).toISOString(),
    })),
    recoveryCases: recovery.rows.map((r) => ({ id: Number(r.id), reason: r.reason, status: r.status, detectedAt: r.detected_at.toISOString(), evidence: r.evidence })),
    recovery: cases.rows.map((k) => ({ caseId: Number(k.id), state: k.state, candidate: codec.decryptOrNull(k.candidate_enc), detectedAt: k.detected_at.toISOString(), closedAt: k.closed_at?.toISOString() ?? null })),
    identity: {
      mergedInto: mergedInto.rows[0] ? { contactId: Number(mergedInto.rows[0].contact_id), caseId: caseId(mergedInto.rows[0].case_id), at: mergedInto.rows[0].created_at.toISOString() } : null,
      aliases: aliases.rows.map((a) => ({ contactId: Number(a.old_contact_id), phone: codec.decrypt(a.phone_enc), caseId: caseId(a.case_id), at: a.created_at.toISOString() })),
    },
  };
}
