import type { EngagementFacts } from '../core/campaign/journey';
import type { Pool } from './pool';

/**
 * What each contact did since the previous step of a journey was sent to them (core/campaign/
 * journey.ts decides what it means): an order (`purchase`), a tracked-link click (`link_click`),
 * a reply (`sms_reply`) since `since`, and an opt-out on any channel at any time. Index probes
 * per contact (events by contact, tag and time; suppressions by contact).
 */
export async function engagementSince(pool: Pool, rows: ReadonlyArray<{ contactId: number; since: Date }>): Promise<Map<number, EngagementFacts>> {
  if (!rows.length) return new Map();
  const { rows: found } = await pool.query(
    `SELECT x.contact_id,
            EXISTS (SELECT 1 FROM events e WHERE e.contact_id = x.contact_id AND e.tag = 'purchase' AND e.occurred_at >= x.since) AS purchase,
            EXISTS (SELECT 1 FROM events e WHERE e.contact_id = x.contact_id AND e.tag = 'link_click' AND e.occurred_at >= x.since) AS click,
            EXISTS (SELECT 1 FROM events e WHERE e.contact_id = x.contact_id AND e.tag = 'sms_reply' AND e.occurred_at >= x.since) AS reply,
            EXISTS (SELECT 1 FROM suppressions s WHERE s.contact_id = x.contact_id AND s.kind = 'opt_out') AS opt_out
     FROM unnest($1::bigint[], $2::timestamptz[]) AS x(contact_id, since)`,
    [rows.map((r) => r.contactId), rows.map((r) => r.since)],
  );
  return new Map(found.map((r) => [Number(r.contact_id), { purchase: r.purchase, click: r.click, reply: r.reply, optOut: r.opt_out }]));
}
