import type { CapCount, DecisionCount, Dimension, FunnelCounts, GroupCounts, HoldoutFacts, ReportFacts } from '../core/campaign/report';
import { campaignProgress } from './campaign-progress';
import { getCampaign } from './campaigns';
import type { Pool } from './pool';

/**
 * The figures of `reachloop campaign report` (core/campaign/report.ts says how they are shaped and
 * attributed): one statement per part, all read from the campaign's own rows (ledger, recipients,
 * decisions, tracked links) and, for what came after a send, the contact's events and suppressions
 * through their per-contact indexes.
 */
export async function readCampaignReport(pool: Pool, campaignId: number, opts: { attributionMs: number }): Promise<ReportFacts | undefined> {
  const row = await getCampaign(pool, campaignId);
  if (!row) return undefined;
  const [progress, decisions, caps, groups, holdout] = await Promise.all([
    campaignProgress(pool, campaignId, new Date(0)),
    decisionCounts(pool, campaignId),
    capCounts(pool, campaignId),
    funnelGroups(pool, campaignId, opts.attributionMs),
    holdoutComparison(pool, campaignId, opts.attributionMs),
  ]);
  const { id, name, category, status, createdAt, launchedAt, finishedAt } = row;
  return {
    campaign: { id, name, category, status, createdAt, launchedAt, finishedAt },
    recipients: { planned: progress.planned, byState: progress.byState },
    decisions,
    caps,
    groups,
    attributionMs: opts.attributionMs,
    holdout,
  };
}

/**
 * The holdout (planned as skipped, never messaged) next to the rest of the first step's audience:
 * contacts, and those with an order from the plan's start (the holdout rows' next_at, which
 * nothing moves) until the attribution window after it ends. Null without a holdout.
 */
async function holdoutComparison(pool: Pool, campaignId: number, attributionMs: number): Promise<HoldoutFacts | null> {
  const { rows } = await pool.query(
    `WITH start AS (SELECT min(next_at) AS at FROM campaign_recipients WHERE campaign_id = $1 AND holdout)
     SELECT r.holdout, count(*)::int AS contacts,
            count(*) FILTER (WHERE EXISTS (
              SELECT 1 FROM events e WHERE e.contact_id = r.contact_id AND e.tag = 'purchase' AND e.occurred_at >= s.at AND e.occurred_at < s.at + $2 * interval '1 millisecond'))::int AS ordered
     FROM campaign_recipients r CROSS JOIN start s
     WHERE r.campaign_id = $1 AND r.step_since IS NULL AND s.at IS NOT NULL
     GROUP BY r.holdout`,
    [campaignId, attributionMs],
  );
  const of = (h: boolean) => rows.find((r) => r.holdout === h) ?? { contacts: 0, ordered: 0 };
  if (!rows.some((r) => r.holdout)) return null;
  return { holdout: { contacts: of(true).contacts, ordered: of(true).ordered }, treated: { contacts: of(false).contacts, ordered: of(false).ordered } };
}

/** Every decision taken, by kind, reason and rule: how many, and for how many contacts. */
async function decisionCounts(pool: Pool, campaignId: number): Promise<DecisionCount[]> {
  const { rows } = await pool.query(
    `SELECT decision, reason, rule, count(*)::int AS decisions, count(DISTINCT contact_id)::int AS contacts
     FROM campaign_decisions WHERE campaign_id = $1 GROUP BY decision, reason, rule`,
    [campaignId],
  );
  return rows.map((r) => ({ decision: r.decision, reason: r.reason, rule: r.rule, decisions: r.decisions, contacts: r.contacts }));
}

/** The caps that held recipients back (a DEFER, or a SKIP when the deadline came first), by rule. */
async function capCounts(pool: Pool, campaignId: number): Promise<CapCount[]> {
  const { rows } = await pool.query(
    `SELECT rule, count(*)::int AS decisions, count(DISTINCT contact_id)::int AS contacts
     FROM campaign_decisions WHERE campaign_id = $1 AND rule LIKE 'cap:%' GROUP BY rule`,
    [campaignId],
  );
  return rows.map((r) => ({ rule: r.rule, decisions: r.decisions, contacts: r.contacts }));
}

const DIMENSION_COLUMNS: ReadonlyArray<readonly [Dimension, string]> = [
  ['step', 'step'],
  ['tier', 'tier'],
  ['channel', 'channel'],
  ['country', 'country'],
  ['localHour', 'local_hour'],
];

/**
 * The funnel of every ledger row of the campaign (released cap reservations left out), in total
 * and by step, tier, channel, country and the recipient's local hour of the send (the hour of
 * sent_at, or of the attempt when nothing was sent, in the recipient's zone; null when PostgreSQL
 * does not know the zone), in one pass through GROUPING SETS.
 *
 * Attribution: a click through the message's tracked links (tracked_links.ledger_id); a reply
 * (an `sms_reply` event of the contact, for an SMS) or an opt-out (a suppression of kind opt_out
 * on the channel or on all) from the send until the window ends, unless another marketing message
 * on the same channel went out in between; an order (a `purchase` event) likewise, unless another
 * marketing message on any channel went out in between. The "in between" probe (the caps index)
 * runs only for a contact who did something, so most rows cost three index probes: 100,000 rows
 * took 1.6 s here (2 cores, shared).
 */
async function funnelGroups(pool: Pool, campaignId: number, attributionMs: number): Promise<GroupCounts[]> {
  const { rows } = await pool.query(
    `WITH clicks AS (
       SELECT ledger_id, sum(clicks)::int AS clicks FROM tracked_links
       WHERE campaign_id = $1 AND ledger_id IS NOT NULL GROUP BY ledger_id
     ),
     base AS (
       SELECT l.id, l.contact_id, l.step, l.channel, l.state, l.segments, r.tier, c.country,
              COALESCE(l.sent_at, l.attempt_started_at, l.reserved_at) AS at,
              (l.sent_at IS NOT NULL OR l.provider_id IS NOT NULL OR l.state IN ('sent', 'delivered', 'undelivered')) AS accepted,
              CASE WHEN z.name IS NOT NULL THEN extract(hour FROM COALESCE(l.sent_at, l.attempt_started_at, l.reserved_at) AT TIME ZONE r.time_zone)::int END AS local_hour,
              COALESCE(k.clicks, 0) AS clicks
       FROM send_ledger l
       LEFT JOIN campaign_recipients r ON r.campaign_id = l.campaign_id AND r.contact_id = l.contact_id AND r.step = l.step
       LEFT JOIN contacts c ON c.id = l.contact_id
       LEFT JOIN pg_timezone_names z ON z.name = r.time_zone
       LEFT JOIN clicks k ON k.ledger_id = l.id
       WHERE l.campaign_id = $1 AND l.state <> 'released'
     ),
     sends AS (
       SELECT b.*,
              b.accepted AND b.clicks > 0 AS clicked,
              b.accepted AND b.channel = 'sms' AND EXISTS (
                SELECT 1 FROM events e WHERE e.contact_id = b.contact_id AND e.tag = 'sms_reply' AND e.occurred_at >= b.at AND e.occurred_at < b.at + $2 * interval '1 millisecond'
                  AND NOT EXISTS (SELECT 1 FROM send_ledger n WHERE n.contact_id = b.contact_id AND n.category = 'marketing' AND n.channel = b.channel AND n.id <> b.id AND n.sent_at > b.at AND n.sent_at <= e.occurred_at)) AS replied,
              b.accepted AND EXISTS (
                SELECT 1 FROM events e WHERE e.contact_id = b.contact_id AND e.tag = 'purchase' AND e.occurred_at >= b.at AND e.occurred_at < b.at + $2 * interval '1 millisecond'
                  AND NOT EXISTS (SELECT 1 FROM send_ledger n WHERE n.contact_id = b.contact_id AND n.category = 'marketing' AND n.id <> b.id AND n.sent_at > b.at AND n.sent_at <= e.occurred_at)) AS ordered,
              b.accepted AND EXISTS (
                SELECT 1 FROM suppressions s WHERE s.contact_id = b.contact_id AND s.channel IN (b.channel, 'all') AND s.kind = 'opt_out' AND s.created_at >= b.at AND s.created_at < b.at + $2 * interval '1 millisecond'
                  AND NOT EXISTS (SELECT 1 FROM send_ledger n WHERE n.contact_id = b.contact_id AND n.category = 'marketing' AND n.channel = b.channel AND n.id <> b.id AND n.sent_at > b.at AND n.sent_at <= s.created_at)) AS opted_out
       FROM base b
     )
     SELECT GROUPING(step) = 0 AS by_step, GROUPING(tier) = 0 AS by_tier, GROUPING(channel) = 0 AS by_channel,
            GROUPING(country) = 0 AS by_country, GROUPING(local_hour) = 0 AS by_local_hour,
            step, tier, channel, country, local_hour,
            count(*)::int AS messages,
            count(*) FILTER (WHERE accepted)::int AS sent,
            count(*) FILTER (WHERE state = 'delivered')::int AS delivered,
            count(*) FILTER (WHERE accepted AND state IN ('undelivered', 'failed'))::int AS undelivered,
            count(*) FILTER (WHERE NOT accepted AND state = 'failed')::int AS failed,
            count(*) FILTER (WHERE NOT accepted AND state = 'unknown')::int AS unknown,
            count(*) FILTER (WHERE NOT accepted AND state IN ('reserved', 'sending'))::int AS pending,
            count(*) FILTER (WHERE clicked)::int AS clicked,
            count(*) FILTER (WHERE replied)::int AS replied,
            count(*) FILTER (WHERE ordered)::int AS ordered,
            count(*) FILTER (WHERE opted_out)::int AS opted_out,
            COALESCE(sum(clicks) FILTER (WHERE accepted), 0)::int AS clicks,
            COALESCE(sum(segments) FILTER (WHERE accepted), 0)::int AS segments
     FROM sends
     GROUP BY GROUPING SETS ((), (step), (tier), (channel), (country), (local_hour))`,
    [campaignId, attributionMs],
  );
  const groups: GroupCounts[] = rows.map((r) => {
    const found = DIMENSION_COLUMNS.find(([, column]) => r[`by_${column}`]);
    const counts: FunnelCounts = {
      messages: r.messages,
      sent: r.sent,
      delivered: r.delivered,
      undelivered: r.undelivered,
      failed: r.failed,
      unknown: r.unknown,
      pending: r.pending,
      clicked: r.clicked,
      replied: r.replied,
      ordered: r.ordered,
      optedOut: r.opted_out,
      clicks: r.clicks,
      segments: r.segments,
    };
    return { dimension: found ? found[0] : null, key: found ? r[found[1]] : null, counts };
  });
  return groups;
}
