/** Where a campaign's recipients stand (the status and report commands, the demo). */
import type { Pool } from './pool';

export interface CampaignProgress {
  /** Rows planned so far: one per recipient and step reached (a journey adds a step's rows as the step before it is sent). */
  planned: number;
  /** Recipients the campaign can still take now: pending, claimed, or deferred until an instant already past. */
  dueNow: number;
  byState: Record<string, number>;
  /** The earliest instant a deferred recipient waits for. */
  nextAt: Date | null;
  /** Recipients sent, by tier, channel and (first) time zone. */
  sentByTier: Record<string, number>;
  sentByChannel: Record<string, number>;
  sentByZone: Record<string, number>;
  /** Recipients deferred now, by the reason of their last decision. */
  deferredByReason: Record<string, number>;
  /** Recipients skipped (or left unknown), by reason. */
  skippedByReason: Record<string, number>;
  /** Rows by step and state (one step, 'main', for a campaign that is not a journey). */
  byStep: Record<string, Record<string, number>>;
}

/** GROUPING(tier, channel, time_zone, last_reason, step) of each grouping set: the columns it leaves out. */
const BY = { state: 31, tier: 15, channel: 23, zone: 27, reason: 29, step: 30 } as const;

/** Deferred recipients by time zone (the largest groups first) and when the first of each opens. */
export async function deferredByZone(pool: Pool, campaignId: number, limit = 5): Promise<Array<{ timeZone: string; count: number; until: Date }>> {
  const { rows } = await pool.query(
    `SELECT time_zone, count(*)::int AS n, min(next_at) AS until FROM campaign_recipients
     WHERE campaign_id = $1 AND state = 'deferred' GROUP BY time_zone ORDER BY n DESC, time_zone LIMIT $2`,
    [campaignId, limit],
  );
  return rows.map((r) => ({ timeZone: r.time_zone, count: r.n, until: r.until }));
}

/**
 * Where a campaign's recipients stand at `at`, from the database's truth (one scan): counts by
 * state, and those sent, deferred and skipped by their dimensions. A retried batch cannot make
 * them drift the way the workflow's running tally did.
 */
export async function campaignProgress(pool: Pool, campaignId: number, at: Date): Promise<CampaignProgress> {
  const { rows } = await pool.query<{ g: number; state: string; tier: string | null; channel: string | null; time_zone: string | null; last_reason: string | null; step: string | null; n: number; due: number; next_at: Date | null }>(
    `SELECT GROUPING(tier, channel, time_zone, last_reason, step) AS g, state, tier, channel, time_zone, last_reason, step, count(*)::int AS n,
            count(*) FILTER (WHERE state IN ('pending', 'claimed') OR (state = 'deferred' AND next_at <= $2))::int AS due,
            min(next_at) FILTER (WHERE state = 'deferred' AND next_at > $2) AS next_at
     FROM campaign_recipients WHERE campaign_id = $1
     GROUP BY GROUPING SETS ((state), (state, tier), (state, channel), (state, time_zone), (state, last_reason), (state, step))`,
    [campaignId, at],
  );
  const count = (g: number, states: readonly string[], key: (r: (typeof rows)[number]) => string | null) =>
    Object.fromEntries(rows.filter((r) => r.g === g && states.includes(r.state)).reduce((m, r) => m.set(key(r) ?? 'none', (m.get(key(r) ?? 'none') ?? 0) + r.n), new Map<string, number>()));
  const byState = rows.filter((r) => r.g === BY.state);
  const next = byState.map((r) => r.next_at).filter((d): d is Date => d !== null).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
  return {
    planned: byState.reduce((n, r) => n + r.n, 0),
    dueNow: byState.reduce((n, r) => n + r.due, 0),
    byState: Object.fromEntries(byState.map((r) => [r.state, r.n])),
    nextAt: next,
    sentByTier: count(BY.tier, ['sent'], (r) => r.tier),
    sentByChannel: count(BY.channel, ['sent'], (r) => r.channel),
    sentByZone: count(BY.zone, ['sent'], (r) => r.time_zone),
    deferredByReason: count(BY.reason, ['deferred'], (r) => r.last_reason),
    skippedByReason: count(BY.reason, ['skipped', 'unknown'], (r) => r.last_reason),
    byStep: stepsOf(rows.filter((r) => r.g === BY.step)),
  };
}

function stepsOf(rows: ReadonlyArray<{ step: string | null; state: string; n: number }>): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const r of rows) (out[r.step ?? 'main'] ??= {})[r.state] = r.n;
  return out;
}
