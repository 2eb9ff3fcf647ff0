import type { Pool } from './pool';

/** One tier's size and how its stored scores spread. */
export interface TierStats {
  count: number;
  /** Of them, contacts with an e-mail address (tier B and C are e-mail tiers). */
  withEmail: number;
  /** Stored scores (rounded totals); null when the tier is empty. */
  min: number | null;
  p10: number | null;
  median: number | null;
  p90: number | null;
  max: number | null;
}

export interface TierDistribution {
  total: number;
  tiers: Record<'A' | 'B' | 'C' | 'D', TierStats>;
  /** How many contacts each score policy version scored (contacts.policy_version). */
  byPolicyVersion: Record<string, number>;
}

const EMPTY: TierStats = { count: 0, withEmail: 0, min: null, p10: null, median: null, p90: null, max: null };

/** The audience by tier: counts and score ranges, and which policy versions scored it. */
export async function tierDistribution(pool: Pool): Promise<TierDistribution> {
  const { rows } = await pool.query<{ tier: 'A' | 'B' | 'C' | 'D'; n: number; with_email: number; min: number; max: number; q: number[] }>(
    `SELECT c.tier, count(*)::int AS n, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM contact_emails e WHERE e.contact_id = c.id))::int AS with_email,
            min(c.score) AS min, max(c.score) AS max, percentile_disc(ARRAY[0.1, 0.5, 0.9]) WITHIN GROUP (ORDER BY c.score) AS q
       FROM contacts c GROUP BY c.tier`,
  );
  const versions = await pool.query<{ v: string; n: number }>(`SELECT policy_version AS v, count(*)::int AS n FROM contacts GROUP BY 1 ORDER BY 1`);
  const tiers = { A: EMPTY, B: EMPTY, C: EMPTY, D: EMPTY };
  for (const r of rows) tiers[r.tier] = { count: r.n, withEmail: r.with_email, min: r.min, p10: r.q[0]!, median: r.q[1]!, p90: r.q[2]!, max: r.max };
  return {
    total: rows.reduce((a, r) => a + r.n, 0),
    tiers,
    byPolicyVersion: Object.fromEntries(versions.rows.map((r) => [r.v || '(none)', r.n])),
  };
}

/**
 * Stored scores at the given quantiles (0..1) among the contacts a policy version scored that are
 * not in tier D (unreachable or risky contacts are out of the tiers calibration separates).
 */
export async function scoreQuantiles(pool: Pool, policyVersion: string, quantiles: readonly number[]): Promise<{ population: number; scores: number[] }> {
  const { rows } = await pool.query<{ n: number; q: number[] | null }>(
    `SELECT count(*)::int AS n, percentile_disc($2::float8[]) WITHIN GROUP (ORDER BY score) AS q
       FROM contacts WHERE policy_version = $1 AND tier <> 'D'`,
    [policyVersion, quantiles],
  );
  return { population: rows[0]!.n, scores: rows[0]!.q ?? [] };
}

/** How many of those contacts score at least A's and at least B's threshold. */
export async function countAtLeast(pool: Pool, policyVersion: string, a: number, b: number): Promise<{ a: number; b: number }> {
  const { rows } = await pool.query<{ a: number; b: number }>(
    `SELECT count(*) FILTER (WHERE score >= $2)::int AS a, count(*) FILTER (WHERE score >= $3)::int AS b
       FROM contacts WHERE policy_version = $1 AND tier <> 'D'`,
    [policyVersion, a, b],
  );
  return rows[0]!;
}
