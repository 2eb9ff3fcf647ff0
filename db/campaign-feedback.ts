/** The feedback loop of one campaign as the demo reports it: messages still open, final outcomes, what the recipients did. */
import type { Pool } from './pool';

/** Messages of the campaign without a final status yet (reserved, sending, or an SMS sent and not reported; e-mail has no delivery receipt). */
export async function openMessages(pool: Pool, campaignId: number): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM send_ledger WHERE campaign_id = $1 AND (state IN ('reserved', 'sending') OR (state = 'sent' AND channel = 'sms'))`,
    [campaignId],
  );
  return rows[0]!.n;
}

/** Final states of the campaign's messages, with the error code (delivered, undelivered:30003, ...; e-mail as email:sent). */
export async function messageOutcomes(pool: Pool, campaignId: number): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ k: string; n: number }>(
    `SELECT CASE WHEN channel = 'email' THEN 'email:' ELSE '' END || state || COALESCE(':' || error_code, '') AS k, count(*)::int AS n FROM send_ledger WHERE campaign_id = $1 GROUP BY 1 ORDER BY 2 DESC`,
    [campaignId],
  );
  return Object.fromEntries(rows.map((r) => [r.k, r.n]));
}

/** Among the campaign's recipients: opt-outs by keyword, SMS replies, and dead numbers handed to recovery. */
export async function recipientReactions(pool: Pool, campaignId: number): Promise<{ optOuts: number; replies: number; deadNumbers: number }> {
  const { rows } = await pool.query<{ opt_outs: number; replies: number; dead: number }>(
    `WITH reached AS (SELECT DISTINCT contact_id FROM send_ledger WHERE campaign_id = $1)
     SELECT (SELECT count(*)::int FROM suppressions WHERE source = 'sms_keyword' AND contact_id IN (SELECT contact_id FROM reached)) AS opt_outs,
            (SELECT count(*)::int FROM events WHERE tag = 'sms_reply' AND contact_id IN (SELECT contact_id FROM reached)) AS replies,
            (SELECT count(*)::int FROM recovery_candidates WHERE status = 'open' AND contact_id IN (SELECT contact_id FROM reached)) AS dead`,
    [campaignId],
  );
  const r = rows[0]!;
  return { optOuts: r.opt_outs, replies: r.replies, deadNumbers: r.dead };
}

/** What one recipient of the campaign did and what came of it (the demo's scripted handsets). */
export interface RecipientStory {
  contactId: number;
  /** Its message of the campaign: ledger state with the error code (delivered, undelivered:30003, ...), or null when none was sent. */
  outcome: string | null;
  channel: string | null;
  /** An SMS opt-out (STOP, T, 退订...) by keyword, on any channel it covers. */
  optedOut: boolean;
  replies: number;
  /** Its latest changed-number case, and the contact it was merged into. */
  recoveryCase: { id: number; state: string; candidateContactId: number | null } | null;
  mergedInto: number | null;
}

export async function recipientStory(pool: Pool, campaignId: number, contactId: number): Promise<RecipientStory> {
  const { rows } = await pool.query(
    `SELECT (SELECT state || COALESCE(':' || error_code, '') FROM send_ledger WHERE campaign_id = $1 AND contact_id = $2 ORDER BY id LIMIT 1) AS outcome,
            (SELECT channel FROM send_ledger WHERE campaign_id = $1 AND contact_id = $2 ORDER BY id LIMIT 1) AS channel,
            EXISTS (SELECT 1 FROM suppressions WHERE contact_id = $2 AND kind = 'opt_out' AND source = 'sms_keyword') AS opted_out,
            (SELECT count(*)::int FROM events WHERE contact_id = $2 AND tag = 'sms_reply') AS replies,
            (SELECT json_build_object('id', id, 'state', state, 'candidateContactId', candidate_contact_id) FROM recovery_cases WHERE contact_id = $2 ORDER BY id DESC LIMIT 1) AS recovery_case,
            (SELECT contact_id FROM contact_aliases WHERE old_contact_id = $2) AS merged_into`,
    [campaignId, contactId],
  );
  const r = rows[0]!;
  const k = r.recovery_case as { id: string | number; state: string; candidateContactId: string | number | null } | null;
  return {
    contactId,
    outcome: r.outcome,
    channel: r.channel,
    optedOut: r.opted_out,
    replies: r.replies,
    recoveryCase: k ? { id: Number(k.id), state: k.state, candidateContactId: k.candidateContactId === null ? null : Number(k.candidateContactId) } : null,
    mergedInto: r.merged_into === null ? null : Number(r.merged_into),
  };
}
