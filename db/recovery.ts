/**
 * Changed-number recovery in PostgreSQL: cases, the confirmation's ledger rows and limit. The links
 * candidates are found through are in db/recovery-links.ts, the merge in db/recovery-merge.ts.
 * Queries take a Pool.
 */
import { dataCodec } from '../infra/data-keys';
import type { PoolClient } from 'pg';
import type { FarmSignals } from '../core/device-farm';
import type { MatchResult } from '../core/recovery/match';
import { enrichPhone, normalizePhone } from '../core/phone';
import { phoneHash } from './contacts';
import { FARM_SIGNALS_SQL, farmSignalsOf } from './recovery-links';
import type { Pool } from './pool';
import { deadNumberSql } from './number-change';
import { applyPendingOptOuts, PENDING_SMS_OPT_OUT_SQL } from './pending-optouts';
import { ERASED_IDENTIFIER_SQL } from './privacy';
import { inTransaction } from './transaction';

export type RecoveryState = 'detected' | 'matched' | 'confirmation_sent' | 'confirmed' | 'refused' | 'expired' | 'cancelled';
export const OPEN_STATES: readonly RecoveryState[] = ['detected', 'matched', 'confirmation_sent'];

export interface RecoveryCase {
  id: number;
  contactId: number;
  detectionReason: string;
  candidateContactId: number | null;
  candidateE164: string | null;
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

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const toCase = (r: Record<string, any>): RecoveryCase => ({
  id: Number(r.id),
  contactId: Number(r.contact_id),
  detectionReason: r.detection_reason,
  candidateContactId: r.candidate_contact_id === null ? null : Number(r.candidate_contact_id),
  candidateE164: dataCodec().decryptOrNull(r.candidate_enc),
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
 * Contacts whose number went dead, in id order after `afterId`: not merged already, not erased nor
 * holding an erased person's number or address (db/privacy.ts), no case asking a number now, and
 * no case that already asked and was refused or went unanswered (the candidate gets nothing
 * else). Cases still unmatched are found again (new links may have come),
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
       AND NOT ${ERASED_IDENTIFIER_SQL}
       AND NOT EXISTS (SELECT 1 FROM recovery_cases k WHERE k.contact_id = c.id
                         AND (k.state IN ('confirmation_sent', 'refused', 'expired') OR (k.state = 'matched' AND k.workflow_id IS NOT NULL)))
       AND c.id > $3
     ORDER BY c.id LIMIT $2`,
    [opts.minFailures, opts.limit, opts.afterId ?? 0],
  );
  return rows.map((r) => ({ contactId: Number(r.id), reason: r.reason }));
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
      `UPDATE recovery_cases k SET candidate_contact_id = c.id, candidate_phone_hash = c.phone_hash, candidate_enc = c.phone_enc,
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
    `INSERT INTO contacts (phone_hash, phone_enc, line_type, country, region, currency, language, time_zones, sources, tier, first_seen_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '{recovery}', 'D', $9, $9)
     ON CONFLICT (phone_hash) DO UPDATE SET updated_at = contacts.updated_at RETURNING id`,
    [phoneHash(p.e164), dataCodec().encrypt(p.e164), p.type, e.country, e.region, e.currency, e.language, [...e.timeZones], at],
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
  /** The candidate or the customer was erased, or holds an erased person's number or address (db/privacy.ts): never asked. */
  erased: boolean;
  /** The candidate's registration counts and device sharing, read again at send and merge time (core/device-farm.ts). */
  farmSignals: FarmSignals;
  /** Another case's confirmation to this number in the last 30 days: when it was reserved. */
  lastOtherConfirmationAt: Date | null;
}

export async function candidateView(pool: Pool, caseId: number, since: Date): Promise<CandidateView | undefined> {
  const { rows } = await pool.query(
    `SELECT k.id, k.state, c.id AS cand_id, c.phone_enc, c.country, c.time_zones, COALESCE(o.language, c.language) AS language,
       (EXISTS (SELECT 1 FROM suppressions s WHERE s.contact_id = c.id AND s.channel IN ('sms', 'all') AND s.kind IN ('opt_out', 'complaint'))
         OR ${PENDING_SMS_OPT_OUT_SQL}) AS opted_out,
       (${ERASED_IDENTIFIER_SQL} OR (SELECT ${ERASED_IDENTIFIER_SQL} FROM contacts c WHERE c.id = o.id)) AS erased,
       (SELECT max(l.reserved_at) FROM send_ledger l WHERE l.contact_id = c.id AND l.category = 'recovery' AND l.state <> 'released'
          AND l.reserved_at > $2 AND l.step NOT LIKE 'recovery:' || k.id || ':%') AS last_other, ${FARM_SIGNALS_SQL}
     FROM recovery_cases k JOIN contacts c ON c.id = k.candidate_contact_id JOIN contacts o ON o.id = k.contact_id
     WHERE k.id = $1`,
    [caseId, since],
  );
  const r = rows[0];
  if (!r) return undefined;
  return { caseId, state: r.state, candidateId: Number(r.cand_id), e164: dataCodec().decrypt(r.phone_enc), country: r.country, timeZones: r.time_zones, language: r.language, optedOut: r.opted_out, erased: r.erased, farmSignals: farmSignalsOf(r), lastOtherConfirmationAt: r.last_other };
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
