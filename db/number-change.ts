/**
 * A reported number change while the current number is reachable (migration 0028,
 * recovery_cases.current_*): is the current number dead, the check recorded on the case, what
 * the notice needs, and the current number's answer.
 */
import { dataCodec } from '../infra/data-keys';
import type { CurrentNumberCheck } from '../core/recovery/number-change';
import type { Pool } from './pool';
import { ERASED_IDENTIFIER_SQL } from './privacy';

/** Consecutive failed deliveries that make a number dead (the recovery scan's default, --min-failures). */
export const DEAD_AFTER_FAILURES = 2;

/**
 * The recovery scan's test of a dead number, for contact `c`: empty or stopped, unreachable,
 * `minFailures` (a SQL expression) deliveries in a row failed, or handed to recovery by feedback.
 */
export const deadNumberSql = (minFailures: string) => `(c.number_status IN ('empty', 'stopped') OR c.validity = 'unreachable'
            OR COALESCE((c.activity ->> 'consecutiveFailures')::int, 0) >= ${minFailures}
            OR EXISTS (SELECT 1 FROM recovery_candidates rc WHERE rc.contact_id = c.id AND rc.status = 'open'))`;

/** Is the contact's own number still reachable (not dead by the scan's test)? undefined: no such contact. */
export async function currentNumberReachable(pool: Pool, contactId: number): Promise<boolean | undefined> {
  const { rows } = await pool.query(`SELECT NOT ${deadNumberSql('$2')} AS reachable FROM contacts c WHERE c.id = $1`, [contactId, DEAD_AFTER_FAILURES]);
  return rows[0]?.reachable;
}

/** Records the check on a case that has none yet (a case matched again keeps the first). */
export async function setCurrentCheck(pool: Pool, caseId: number, check: CurrentNumberCheck): Promise<void> {
  await pool.query(`UPDATE recovery_cases SET current_check = COALESCE(current_check, $2) WHERE id = $1`, [caseId, check]);
}

/** What the notice to the current number needs, read at send time. */
export interface CurrentNoticeView {
  state: string;
  check: CurrentNumberCheck | null;
  contactId: number;
  e164: string;
  language: string | null;
  /** The current number said STOP (or a complaint), also before it was a contact. */
  optedOut: boolean;
  /** The customer was erased, or holds an erased person's number or address (db/privacy.ts): never told. */
  erased: boolean;
  candidateE164: string | null;
}

export async function currentNoticeView(pool: Pool, caseId: number): Promise<CurrentNoticeView | undefined> {
  const { rows } = await pool.query(
    `SELECT k.state, k.current_check, k.candidate_enc, c.id, c.phone_enc, c.language,
       EXISTS (SELECT 1 FROM suppressions s WHERE s.contact_id = c.id AND s.channel IN ('sms', 'all') AND s.kind IN ('opt_out', 'complaint')) AS opted_out,
       ${ERASED_IDENTIFIER_SQL} AS erased
     FROM recovery_cases k JOIN contacts c ON c.id = k.contact_id WHERE k.id = $1`,
    [caseId],
  );
  const r = rows[0];
  if (!r) return undefined;
  const codec = dataCodec();
  return { state: r.state, check: r.current_check, contactId: Number(r.id), e164: codec.decrypt(r.phone_enc), language: r.language, optedOut: r.opted_out, erased: r.erased, candidateE164: codec.decryptOrNull(r.candidate_enc) };
}

export async function markCurrentNoticeSent(pool: Pool, caseId: number, at: Date): Promise<void> {
  await pool.query('UPDATE recovery_cases SET current_notice_sent_at = COALESCE(current_notice_sent_at, $2) WHERE id = $1', [caseId, at]);
}

/** For the inbound webhook: the open case whose current number (by hash) was told of a change. */
export async function pendingCaseForCurrentNumber(pool: Pool, phoneHash: string): Promise<{ caseId: number; contactId: number } | undefined> {
  const { rows } = await pool.query(
    `SELECT id, contact_id FROM recovery_cases WHERE old_phone_hash = $1 AND current_check IS NOT NULL AND state IN ('matched', 'confirmation_sent') ORDER BY id DESC LIMIT 1`,
    [phoneHash],
  );
  return rows[0] ? { caseId: Number(rows[0].id), contactId: Number(rows[0].contact_id) } : undefined;
}

/** The current number's first clear answer, kept on the case (the workflow decides with it). */
export async function recordCurrentNumberReply(pool: Pool, caseId: number, reply: 'consent' | 'refuse', at: Date): Promise<void> {
  await pool.query('UPDATE recovery_cases SET current_reply = $2, current_replied_at = $3 WHERE id = $1 AND current_reply IS NULL', [caseId, reply, at]);
}
