/**
 * Changed-number recovery in PostgreSQL: cases, the links candidates are found through, the
 * confirmation's ledger rows and limit, and the one-transaction merge. Queries take a Pool.
 */
import type { PoolClient } from 'pg';
import type { FarmSignals } from '../core/device-farm';
import type { CandidateLink, MatchResult, OldContact } from '../core/recovery/match';
import { enrichPhone, normalizePhone } from '../core/phone';
import { phoneHash } from './contacts';
import type { Pool } from './pool';
import { deadNumberSql } from './number-change';
import { applyPendingOptOuts, PENDING_SMS_OPT_OUT_SQL } from './pending-optouts';
import { inTransaction } from './transaction';

export type RecoveryState = 'detected' | 'matched' | 'confirmation_sent' | 'confirmed' | 'refused' | 'expired' | 'cancelled';
export const OPEN_STATES: readonly RecoveryState[] = ['detected', 'matched', 'confirmation_sent'];

export interface RecoveryCase {
  id: number;
  contactId: number;
  detectionReason: string;
  candidateContactId: number | null;
  candidateE164: string | null;
  candidatePhoneHash: string | null;
  confidence: number | null;
  evidence: Array<{ kind: string; confidence: number; detail: string }>;
  excluded: unknown[];
  state: RecoveryState;
  workflowId: string | null;
  followUpCampaignId: number | null;
  replyKind: string | null;
  closeReason: string | null;
  reminders: number;
  detectedAt: string;
  matchedAt: string | null;
  confirmationSentAt: string | null;
  reminderSentAt: string | null;
  repliedAt: string | null;
  closedAt: string | null;
  /** A reported change while the current number is reachable: it is told ('notify') or must agree ('consent'); null: nobody to tell. */
  currentCheck: 'notify' | 'consent' | null;
}

/**
 * A candidate contact `c`'s device-farm signals: the intake's registration counts and how many
 * contacts share one of its device ids, itself included (through the partial GIN index on device_ids).
 */
const FARM_SIGNALS_SQL = `c.same_device_registrations, c.same_range_registrations,
       CASE WHEN c.device_ids = '{}' THEN 1 ELSE (SELECT count(*) FROM contacts d WHERE d.device_ids && c.device_ids AND d.device_ids <> '{}') END AS accounts_on_device`;
const farmSignalsOf = (r: Record<string, any>): FarmSignals => ({
  sameDeviceRegistrations: r.same_device_registrations,
  sameRangeRegistrations: r.same_range_registrations,
  accountsOnDevice: Number(r.accounts_on_device),
});

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const toCase = (r: Record<string, any>): RecoveryCase => ({
  id: Number(r.id),
  contactId: Number(r.contact_id),
  detectionReason: r.detection_reason,
  candidateContactId: r.candidate_contact_id === null ? null : Number(r.candidate_contact_id),
  candidateE164: r.candidate_e164,
  candidatePhoneHash: r.candidate_phone_hash,
  confidence: r.confidence === null ? null : Number(r.confidence),
  evidence: r.evidence,
  excluded: r.excluded,
  state: r.state,
  workflowId: r.workflow_id,
  followUpCampaignId: r.follow_up_campaign_id === null ? null : Number(r.follow_up_campaign_id),
  replyKind: r.reply_kind,
  closeReason: r.close_reason,
  reminders: r.reminders,
  detectedAt: r.detected_at.toISOString(),
  matchedAt: iso(r.matched_at),
  confirmationSentAt: iso(r.confirmation_sent_at),
  reminderSentAt: iso(r.reminder_sent_at),
  repliedAt: iso(r.replied_at),
  closedAt: iso(r.closed_at),
  currentCheck: r.current_check ?? null,
});

export async function getCase(pool: Pool | PoolClient, id: number): Promise<RecoveryCase | undefined> {
  const { rows } = await pool.query('SELECT * FROM recovery_cases WHERE id = $1', [id]);
  return rows[0] ? toCase(rows[0]) : undefined;
}

export async function openCaseOf(pool: Pool, contactId: number): Promise<RecoveryCase | undefined> {
  const { rows } = await pool.query(`SELECT * FROM recovery_cases WHERE contact_id = $1 AND state = ANY($2::text[])`, [contactId, OPEN_STATES]);
  return rows[0] ? toCase(rows[0]) : undefined;
}

export async function listCases(pool: Pool, opts: { state?: string; limit?: number } = {}): Promise<RecoveryCase[]> {
  const { rows } = await pool.query(
    `SELECT * FROM recovery_cases WHERE ($1::text IS NULL OR state = $1) ORDER BY id DESC LIMIT $2`,
    [opts.state ?? null, opts.limit ?? 100],
  );
  return rows.map(toCase);
}

/** The open case of a contact, or a new one in state detected; `created` says which. */
export async function openCase(pool: Pool, contactId: number, reason: string, at: Date): Promise<{ case: RecoveryCase; created: boolean }> {
  const { rows } = await pool.query(
    `INSERT INTO recovery_cases (contact_id, old_phone_hash, detection_reason, detected_at)
     SELECT id, phone_hash, $2, $3 FROM contacts WHERE id = $1
     ON CONFLICT (contact_id) WHERE state IN ('detected', 'matched', 'confirmation_sent') DO NOTHING RETURNING *`,
    [contactId, reason, at],
  );
  if (rows[0]) return { case: toCase(rows[0]), created: true };
  const open = await openCaseOf(pool, contactId);
  if (!open) throw new Error(`contact ${contactId} does not exist`);
  return { case: open, created: false };
}

/**
 * Contacts whose number went dead, in id order after `afterId`: not merged already, no case asking
 * a number now, and no case that already asked and was refused or went unanswered (the
 * candidate gets nothing else). Cases still unmatched are found again (new links may have come),
 * and so are cases matched by a dry run, whose workflow never started.
 */
export async function findDeadContacts(pool: Pool, opts: { minFailures: number; limit: number; afterId?: number }): Promise<Array<{ contactId: number; reason: string }>> {
  const { rows } = await pool.query(
    `SELECT c.id, CASE
         WHEN c.number_status IN ('empty', 'stopped') THEN 'number_' || c.number_status
         WHEN c.validity = 'unreachable' THEN 'unreachable'
         WHEN COALESCE((c.activity ->> 'consecutiveFailures')::int, 0) >= $1 THEN 'consecutive_failures'
         ELSE COALESCE((SELECT rc.reason FROM recovery_candidates rc WHERE rc.contact_id = c.id AND rc.status = 'open' LIMIT 1), 'feedback') END AS reason
     FROM contacts c
     WHERE ${deadNumberSql('$1')}
       AND NOT EXISTS (SELECT 1 FROM contact_aliases a WHERE a.old_contact_id = c.id)
       AND NOT EXISTS (SELECT 1 FROM recovery_cases k WHERE k.contact_id = c.id
                         AND (k.state IN ('confirmation_sent', 'refused', 'expired') OR (k.state = 'matched' AND k.workflow_id IS NOT NULL)))
       AND c.id > $3
     ORDER BY c.id LIMIT $2`,
    [opts.minFailures, opts.limit, opts.afterId ?? 0],
  );
  return rows.map((r) => ({ contactId: Number(r.id), reason: r.reason }));
}

/**
 * The old contacts and every number linked to them through the customer's own data, in one
 * round trip per batch: same e-mail, overlapping device ids, same shipping address.
 */
export async function gatherLinks(pool: Pool, contactIds: readonly number[]): Promise<Map<number, { old: OldContact; links: CandidateLink[] }>> {
  const out = new Map<number, { old: OldContact; links: CandidateLink[] }>();
  if (!contactIds.length) return out;
  const olds = await pool.query('SELECT id, phone_hash, first_seen_at FROM contacts WHERE id = ANY($1::bigint[])', [contactIds]);
  for (const r of olds.rows) out.set(Number(r.id), { old: { id: Number(r.id), phoneHash: r.phone_hash, firstSeenAt: r.first_seen_at.getTime() }, links: [] });
  const { rows } = await pool.query(
    `WITH old AS (SELECT id, device_ids FROM contacts WHERE id = ANY($1::bigint[])),
     links AS (
       SELECT o.id AS old_id, e2.contact_id AS cand_id, 'same_email' AS via, 'email ' || left(e1.email_hash, 12) AS detail
         FROM old o JOIN contact_emails e1 ON e1.contact_id = o.id
         JOIN contact_emails e2 ON e2.email_hash = e1.email_hash AND e2.contact_id <> o.id
       UNION ALL
       SELECT o.id, c.id, 'same_device', 'device ' || left(md5(array_to_string(ARRAY(SELECT unnest(c.device_ids) INTERSECT SELECT unnest(o.device_ids)), ',')), 12)
         FROM old o JOIN contacts c ON c.device_ids && o.device_ids AND c.device_ids <> '{}' AND c.id <> o.id
         WHERE cardinality(o.device_ids) > 0
       UNION ALL
       SELECT o.id, a2.contact_id, 'same_address', 'address ' || left(a1.address_hash, 12)
         FROM old o JOIN contact_addresses a1 ON a1.contact_id = o.id
         JOIN contact_addresses a2 ON a2.address_hash = a1.address_hash AND a2.contact_id <> o.id
     )
     SELECT l.old_id, l.via, l.detail, c.id AS cand_id, c.phone_hash, c.first_seen_at, c.quarantined,
       (c.validity = 'unreachable' OR c.number_status IN ('empty', 'stopped')) AS dead,
       EXISTS (SELECT 1 FROM suppressions s WHERE s.contact_id = c.id AND s.channel IN ('sms', 'all') AND s.kind IN ('opt_out', 'complaint')) AS opted_out,
       EXISTS (SELECT 1 FROM contact_aliases a WHERE a.old_contact_id = c.id) AS is_alias, ${FARM_SIGNALS_SQL}
     FROM links l JOIN contacts c ON c.id = l.cand_id`,
    [contactIds],
  );
  for (const r of rows) {
    out.get(Number(r.old_id))?.links.push({
      contactId: Number(r.cand_id),
      phoneHash: r.phone_hash,
      via: r.via,
      detail: r.detail,
      firstSeenAt: r.first_seen_at.getTime(),
      quarantined: r.quarantined,
      dead: r.dead,
      optedOut: r.opted_out,
      isAlias: r.is_alias,
      farmSignals: farmSignalsOf(r),
    });
  }
  return out;
}

/** A self-reported number as a link: its contact if it has one (created later if not). */
export async function selfReportedLink(pool: Pool, e164: string): Promise<CandidateLink> {
  const hash = phoneHash(e164);
  const links = await pool.query(
    `SELECT c.id, c.first_seen_at, c.quarantined, (c.validity = 'unreachable' OR c.number_status IN ('empty', 'stopped')) AS dead,
       EXISTS (SELECT 1 FROM suppressions s WHERE s.contact_id = c.id AND s.channel IN ('sms', 'all') AND s.kind IN ('opt_out', 'complaint')) AS opted_out,
       EXISTS (SELECT 1 FROM contact_aliases a WHERE a.old_contact_id = c.id) AS is_alias, ${FARM_SIGNALS_SQL}
     FROM contacts c WHERE c.phone_hash = $1`,
    [hash],
  );
  const r = links.rows[0];
  if (!r) return { contactId: null, phoneHash: hash, via: 'self_reported', detail: 'reported by the customer' };
  return { contactId: Number(r.id), phoneHash: hash, via: 'self_reported', detail: 'reported by the customer', firstSeenAt: r.first_seen_at.getTime(), quarantined: r.quarantined, dead: r.dead, optedOut: r.opted_out, isAlias: r.is_alias, farmSignals: farmSignalsOf(r) };
}

/**
 * Records the match. A number no contact holds yet gets a contact row with no consent and no
 * campaigns (source 'recovery'): the ledger and suppressions need one, and without consent no
 * marketing can reach it before it confirms.
 */
export async function recordMatch(pool: Pool, caseId: number, match: MatchResult, at: Date, selfReportedE164?: string): Promise<RecoveryCase> {
  return inTransaction(pool, async (client) => {
    if (!match.best) {
      const { rows } = await client.query(`UPDATE recovery_cases SET excluded = $2 WHERE id = $1 RETURNING *`, [caseId, JSON.stringify(match.excluded)]);
      return toCase(rows[0]);
    }
    let candidateId = match.best.contactId;
    if (candidateId === null) {
      if (!selfReportedE164) throw new Error('a candidate without a contact must be a self-reported number');
      candidateId = await ensureContact(client, selfReportedE164, at);
    }
    const { rows } = await client.query(
      `UPDATE recovery_cases k SET candidate_contact_id = c.id, candidate_phone_hash = c.phone_hash, candidate_e164 = c.phone_e164,
         confidence = $3, evidence = $4, excluded = $5, state = 'matched', matched_at = $6
       FROM contacts c WHERE k.id = $1 AND c.id = $2 AND k.state IN ('detected', 'matched') RETURNING k.*`,
      [caseId, candidateId, match.best.confidence, JSON.stringify(match.best.evidence), JSON.stringify(match.excluded), at],
    );
    if (!rows[0]) throw new Error(`recovery case ${caseId} is no longer open for matching`);
    return toCase(rows[0]);
  });
}

async function ensureContact(client: PoolClient, e164: string, at: Date): Promise<number> {
  const p = normalizePhone(e164, {});
  if (!p.ok) throw new Error(`not a phone number: ${p.message}`);
  const e = enrichPhone(p);
  const { rows } = await client.query(
    `INSERT INTO contacts (phone_hash, phone_e164, line_type, country, region, currency, language, time_zones, sources, tier, first_seen_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '{recovery}', 'D', $9, $9)
     ON CONFLICT (phone_hash) DO UPDATE SET updated_at = contacts.updated_at RETURNING id`,
    [phoneHash(p.e164), p.e164, p.type, e.country, e.region, e.currency, e.language, [...e.timeZones], at],
  );
  const id = Number(rows[0].id);
  // A STOP this number sent before it was a contact holds: the confirmation checks opt-outs.
  await applyPendingOptOuts(client, new Map([[phoneHash(p.e164), id]]));
  return id;
}

export async function setCaseWorkflow(pool: Pool, caseId: number, workflowId: string, followUpCampaignId: number | null): Promise<void> {
  await pool.query('UPDATE recovery_cases SET workflow_id = $2, follow_up_campaign_id = $3 WHERE id = $1', [caseId, workflowId, followUpCampaignId]);
}

/** What the confirmation step needs about the candidate, read at send time. */
export interface CandidateView {
  caseId: number;
  state: RecoveryState;
  candidateId: number;
  e164: string;
  country: string | null;
  timeZones: string[];
  /** The customer's own language (the old contact's), else the candidate number's. */
  language: string | null;
  optedOut: boolean;
  /** The candidate's registration counts and device sharing, read again at send and merge time (core/device-farm.ts). */
  farmSignals: FarmSignals;
  /** Another case's confirmation to this number in the last 30 days: when it was reserved. */
  lastOtherConfirmationAt: Date | null;
}

export async function candidateView(pool: Pool, caseId: number, since: Date): Promise<CandidateView | undefined> {
  const { rows } = await pool.query(
    `SELECT k.id, k.state, c.id AS cand_id, c.phone_e164, c.country, c.time_zones, COALESCE(o.language, c.language) AS language,
       (EXISTS (SELECT 1 FROM suppressions s WHERE s.contact_id = c.id AND s.channel IN ('sms', 'all') AND s.kind IN ('opt_out', 'complaint'))
         OR ${PENDING_SMS_OPT_OUT_SQL}) AS opted_out,
       (SELECT max(l.reserved_at) FROM send_ledger l WHERE l.contact_id = c.id AND l.category = 'recovery' AND l.state <> 'released'
          AND l.reserved_at > $2 AND l.step NOT LIKE 'recovery:' || k.id || ':%') AS last_other, ${FARM_SIGNALS_SQL}
     FROM recovery_cases k JOIN contacts c ON c.id = k.candidate_contact_id JOIN contacts o ON o.id = k.contact_id
     WHERE k.id = $1`,
    [caseId, since],
  );
  const r = rows[0];
  if (!r) return undefined;
  return { caseId, state: r.state, candidateId: Number(r.cand_id), e164: r.phone_e164, country: r.country, timeZones: r.time_zones, language: r.language, optedOut: r.opted_out, farmSignals: farmSignalsOf(r), lastOtherConfirmationAt: r.last_other };
}

/** The ledger row of a confirmation step (exactly once per case and step), existing or new. */
export async function reserveRecoverySend(pool: Pool, contactId: number, step: string, at: Date): Promise<{ id: string; state: string; providerId: string | null }> {
  const { rows } = await pool.query(
    `INSERT INTO send_ledger (campaign_id, contact_id, step, channel, category, reserved_at) VALUES (NULL, $1, $2, 'sms', 'recovery', $3)
     ON CONFLICT (contact_id, step) WHERE campaign_id IS NULL DO UPDATE SET step = send_ledger.step RETURNING id, state, provider_id`,
    [contactId, step, at],
  );
  return { id: String(rows[0].id), state: rows[0].state, providerId: rows[0].provider_id };
}

export async function markConfirmationSent(pool: Pool, caseId: number, kind: 'confirmation' | 'reminder', at: Date): Promise<void> {
  if (kind === 'confirmation')
    await pool.query(`UPDATE recovery_cases SET state = 'confirmation_sent', confirmation_sent_at = COALESCE(confirmation_sent_at, $2) WHERE id = $1 AND state IN ('matched', 'confirmation_sent')`, [caseId, at]);
  else await pool.query(`UPDATE recovery_cases SET reminders = 1, reminder_sent_at = COALESCE(reminder_sent_at, $2) WHERE id = $1`, [caseId, at]);
}

/** Closes an open case (refused / expired / cancelled); a closed one stays as it is. */
export async function closeCase(pool: Pool | PoolClient, caseId: number, state: 'refused' | 'expired' | 'cancelled', at: Date, fields: { replyKind?: string | null; closeReason?: string | null } = {}): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE recovery_cases SET state = $2, closed_at = $3, reply_kind = COALESCE($4, reply_kind), close_reason = $5,
       replied_at = CASE WHEN $4::text IS NULL THEN replied_at ELSE $3 END
     WHERE id = $1 AND state IN ('detected', 'matched', 'confirmation_sent')`,
    [caseId, state, at, fields.replyKind ?? null, fields.closeReason ?? null],
  );
  if (rowCount) await pool.query(`UPDATE recovery_candidates SET status = 'closed', closed_at = $2 WHERE contact_id = (SELECT contact_id FROM recovery_cases WHERE id = $1) AND status IN ('open', 'in_progress')`, [caseId, at]);
  return (rowCount ?? 0) > 0;
}

export interface MergeResult {
  oldContactId: number;
  newContactId: number;
  moved: Record<string, number>;
  /** The one-person copy of the follow-up campaign created for the welcome-back, to be launched. */
  welcomeBackCampaignId: number | null;
  alreadyMerged: boolean;
}

/**
 * The welcome-back: a copy of the follow-up campaign (a marketing campaign created as a template,
 * not launched) whose audience is the merged customer alone. Its own rules decide when, or
 * whether, it goes out: consent, the local window, holidays, caps across campaigns.
 */
async function copyWelcomeBack(client: PoolClient, templateId: number, contactId: number, caseId: number): Promise<number | null> {
  const t = await client.query('SELECT name, category, definition FROM campaigns WHERE id = $1', [templateId]);
  const row = t.rows[0];
  if (!row || row.category !== 'marketing') return null;
  const { startAt: _s, deadline: _d, ...def } = row.definition as Record<string, unknown>;
  const name = `${row.name} (welcome back, case ${caseId})`;
  const copy = { ...def, name, audience: { contactIds: [contactId] } };
  const { rows } = await client.query('INSERT INTO campaigns (name, category, definition) VALUES ($1, $2, $3) RETURNING id', [name, row.category, copy]);
  return Number(rows[0].id);
}

/**
 * Confirmed: the old contact becomes an alias of the candidate, and everything the person owns
 * moves in ONE transaction (orders, points, coupons, consents, e-mails, addresses, events, score
 * history; facts folded into the new contact). The old record is suppressed on every channel (its
 * dead number may be given to a stranger), the audit row written, the case closed, and the
 * welcome-back created as a one-person copy of the follow-up campaign (launched by the caller).
 */
export async function mergeConfirmed(pool: Pool, caseId: number, opts: { actor: string; at: Date; followUpCampaignId: number | null }): Promise<MergeResult> {
  return inTransaction(pool, async (client) => {
    const k = await client.query('SELECT * FROM recovery_cases WHERE id = $1 FOR UPDATE', [caseId]);
    const row = k.rows[0];
    if (!row) throw new Error(`recovery case ${caseId} does not exist`);
    const oldId = Number(row.contact_id);
    const newId = Number(row.candidate_contact_id);
    if (row.state === 'confirmed') {
      const a = await client.query('SELECT moved FROM merge_audit WHERE case_id = $1', [caseId]);
      const wb = row.welcome_back_campaign_id === null ? null : Number(row.welcome_back_campaign_id);
      return { oldContactId: oldId, newContactId: newId, moved: a.rows[0]?.moved ?? {}, welcomeBackCampaignId: wb, alreadyMerged: true };
    }
    if (!['matched', 'confirmation_sent'].includes(row.state)) throw new Error(`recovery case ${caseId} is ${row.state}: nothing to merge`);
    // Both contacts locked in id order, as every other writer of contacts locks them.
    await client.query('SELECT id FROM contacts WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE', [[oldId, newId]]);
    const moved: Record<string, number> = {};
    const move = async (table: string) => {
      const r = await client.query(`UPDATE ${table} SET contact_id = $2 WHERE contact_id = $1`, [oldId, newId]);
      moved[table] = r.rowCount ?? 0;
    };
    for (const t of ['orders', 'loyalty_points', 'coupons', 'events', 'tier_history']) await move(t);
    const copyThenDelete = async (table: string, cols: string, conflict: string) => {
      await client.query(`INSERT INTO ${table} (contact_id, ${cols}) SELECT $2, ${cols} FROM ${table} WHERE contact_id = $1 ON CONFLICT (${conflict}) DO NOTHING`, [oldId, newId]);
      const r = await client.query(`DELETE FROM ${table} WHERE contact_id = $1`, [oldId]);
      moved[table] = r.rowCount ?? 0;
    };
    await copyThenDelete('consents', 'channel, purpose, source, granted_at, double_opt_in, proof', 'contact_id, channel, purpose');
    await copyThenDelete('contact_emails', 'email_hash, email, added_at', 'contact_id, email_hash');
    await copyThenDelete('contact_addresses', 'address_hash, added_at', 'contact_id, address_hash');
    const chained = await client.query('UPDATE contact_aliases SET contact_id = $2 WHERE contact_id = $1', [oldId, newId]);
    moved.aliases = chained.rowCount ?? 0;
    const before = await client.query('SELECT tier, score FROM contacts WHERE id = $1', [newId]);
    const folded = await client.query(
      `UPDATE contacts n SET
         device_ids = ARRAY(SELECT DISTINCT unnest(n.device_ids || o.device_ids) ORDER BY 1),
         channel_tags = ARRAY(SELECT DISTINCT unnest(n.channel_tags || o.channel_tags) ORDER BY 1),
         sources = ARRAY(SELECT DISTINCT unnest(n.sources || o.sources || '{recovery}'::text[]) ORDER BY 1),
         name = COALESCE(n.name, o.name),
         last_order_at = GREATEST(n.last_order_at, o.last_order_at),
         order_value = CASE WHEN n.order_value IS NULL AND o.order_value IS NULL THEN NULL ELSE COALESCE(n.order_value, 0) + COALESCE(o.order_value, 0) END,
         order_count = n.order_count + o.order_count,
         tier = LEAST(n.tier, o.tier), score = GREATEST(n.score, o.score),
         updated_at = $3
       FROM contacts o WHERE n.id = $2 AND o.id = $1 RETURNING n.tier, n.score`,
      [oldId, newId, opts.at],
    );
    const after = folded.rows[0];
    if (after.tier !== before.rows[0].tier)
      await client.query(`INSERT INTO tier_history (contact_id, at, from_tier, to_tier, score, cause, reasons) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
        newId, opts.at, before.rows[0].tier, after.tier, after.score, `recovery:merge:${caseId}`, [`merged contact ${oldId} (changed number)`],
      ]);
    await client.query(
      `UPDATE contacts SET sms_eligible = false, order_count = 0, order_value = NULL, last_order_at = NULL,
         sources = ARRAY(SELECT DISTINCT unnest(sources || '{merged}'::text[]) ORDER BY 1), updated_at = $2 WHERE id = $1`,
      [oldId, opts.at],
    );
    await client.query(
      `INSERT INTO suppressions (contact_id, channel, kind, source, proof, created_at) VALUES ($1, 'all', 'manual', 'recovery:merged', $2, $3) ON CONFLICT (contact_id, channel, kind) DO NOTHING`,
      [oldId, { mergedInto: newId, caseId }, opts.at],
    );
    await client.query('INSERT INTO contact_aliases (old_contact_id, contact_id, old_phone_hash, case_id, created_at) VALUES ($1, $2, $3, $4, $5)', [oldId, newId, row.old_phone_hash, caseId, opts.at]);
    await client.query('INSERT INTO merge_audit (case_id, old_contact_id, new_contact_id, actor, cause, moved, at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      caseId, oldId, newId, opts.actor, 'confirm_reply', moved, opts.at,
    ]);
    await client.query(`UPDATE recovery_cases SET state = 'confirmed', reply_kind = 'confirm', replied_at = $2, closed_at = $2 WHERE id = $1`, [caseId, opts.at]);
    await client.query(`UPDATE recovery_candidates SET status = 'recovered', closed_at = $2 WHERE contact_id = $1 AND status IN ('open', 'in_progress')`, [oldId, opts.at]);
    const welcomeBackCampaignId = opts.followUpCampaignId === null ? null : await copyWelcomeBack(client, opts.followUpCampaignId, newId, caseId);
    if (welcomeBackCampaignId !== null) await client.query('UPDATE recovery_cases SET welcome_back_campaign_id = $2 WHERE id = $1', [caseId, welcomeBackCampaignId]);
    return { oldContactId: oldId, newContactId: newId, moved, welcomeBackCampaignId, alreadyMerged: false };
  });
}

/** Per state: cases, how many got a candidate, how many got the confirmation (core/recovery/funnel.ts). */
export async function funnelCounts(pool: Pool, since?: Date): Promise<Array<{ state: string; cases: number; matched: number; sent: number }>> {
  const { rows } = await pool.query(
    `SELECT state, count(*)::int AS cases, count(matched_at)::int AS matched, count(confirmation_sent_at)::int AS sent
     FROM recovery_cases WHERE ($1::timestamptz IS NULL OR detected_at >= $1) GROUP BY state ORDER BY state`,
    [since ?? null],
  );
  return rows;
}

/** For the inbound webhook: the open case waiting for an answer from this number, if any. */
export async function pendingCaseForCandidate(pool: Pool, candidatePhoneHash: string): Promise<{ caseId: number; contactId: number } | undefined> {
  const { rows } = await pool.query(
    `SELECT id, contact_id FROM recovery_cases WHERE candidate_phone_hash = $1 AND state IN ('matched', 'confirmation_sent') ORDER BY id DESC LIMIT 1`,
    [candidatePhoneHash],
  );
  return rows[0] ? { caseId: Number(rows[0].id), contactId: Number(rows[0].contact_id) } : undefined;
}

/** The contact a merged one now lives in (aliases are kept flat: no chains). */
export async function aliasTarget(pool: Pool, contactId: number): Promise<number | undefined> {
  const { rows } = await pool.query('SELECT contact_id FROM contact_aliases WHERE old_contact_id = $1', [contactId]);
  return rows[0] ? Number(rows[0].contact_id) : undefined;
}
