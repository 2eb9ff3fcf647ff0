import type { Pool } from './pool';

/** One stored send decision: the audit trail of `reachloop campaign decisions`. */
export interface DecisionRow {
  contactId: number;
  at: string;
  decision: 'SEND' | 'DEFER' | 'SKIP';
  reason: string;
  /** The rule that decided a DEFER/SKIP (e.g. 'outside_window:us-fl-ftsa'); null for SEND. */
  rule: string | null;
  until: string | null;
  channel: string | null;
  detail: string | null;
}

export interface DecisionFilter {
  reason: string | null;
  rule: string | null;
  contactId: number | null;
  limit: number;
}

export async function listDecisions(pool: Pool, campaignId: number, f: DecisionFilter): Promise<DecisionRow[]> {
  const { rows } = await pool.query(
    `SELECT contact_id, at, decision, reason, rule, until, channel, detail FROM campaign_decisions
     WHERE campaign_id = $1 AND ($2::text IS NULL OR reason = $2) AND ($3::text IS NULL OR rule = $3) AND ($4::bigint IS NULL OR contact_id = $4)
     ORDER BY id LIMIT $5`,
    [campaignId, f.reason, f.rule, f.contactId, f.limit],
  );
  return rows.map((r) => ({
    contactId: Number(r.contact_id),
    at: r.at.toISOString(),
    decision: r.decision,
    reason: r.reason,
    rule: r.rule,
    until: r.until?.toISOString() ?? null,
    channel: r.channel,
    detail: r.detail,
  }));
}
