/**
 * The API's per-token rate windows (migration 0033), counted in PostgreSQL so that every server
 * process shares one count per token: two processes behind a load balancer allow a token its rate,
 * not twice it. Fixed windows, started by the first request after the last one ended, on the
 * database's clock (the processes' clocks may differ).
 */
import type { Pool } from './pool';

export interface RateCount {
  /** Requests counted in the current window, this one included. */
  current: number;
  /** Milliseconds until the window ends. */
  ttl: number;
}

const COUNT_SQL = `
  INSERT INTO api_rate_windows AS w (key, started_at, count) VALUES ($1, clock_timestamp(), 1)
  ON CONFLICT (key) DO UPDATE SET
    started_at = CASE WHEN w.started_at + $2 * interval '1 millisecond' <= clock_timestamp() THEN clock_timestamp() ELSE w.started_at END,
    count      = CASE WHEN w.started_at + $2 * interval '1 millisecond' <= clock_timestamp() THEN 1 ELSE w.count + 1 END
  RETURNING count, greatest(0, ceil(extract(epoch FROM (started_at + $2 * interval '1 millisecond' - clock_timestamp())) * 1000))::bigint AS ttl`;

/** Counts one request of `key` in its window of `windowMs`. */
export async function countApiRequest(pool: Pool, key: string, windowMs: number): Promise<RateCount> {
  const { rows } = await pool.query(COUNT_SQL, [key, windowMs]);
  return { current: Number(rows[0].count), ttl: Number(rows[0].ttl) };
}
