/** Heartbeats of the running workers and HTTP servers (migration 0036, infra/heartbeat.ts). */
import type { Pool } from './pool';

export interface Heartbeat {
  id: string;
  roles: string;
  host: string;
  pid: number;
  lookupFingerprint: string;
  /** The data keys the process holds: id -> fingerprint (DataCodec.fingerprint). */
  dataKeys: Record<string, string>;
}

export interface LiveProcess {
  roles: string;
  host: string;
  pid: number;
  secondsAgo: number;
  /** The data key ids the process holds (migration 0037). */
  dataKeyIds: string[];
}

/** Records a beat of `p`; returns the lookup chain fingerprint the database is on now (undefined before any was recorded). */
export async function beat(pool: Pool, p: Heartbeat): Promise<string | undefined> {
  const { rows } = await pool.query<{ now_on: string | null }>(
    `INSERT INTO process_heartbeats (id, roles, host, pid, lookup_fingerprint, data_keys) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET seen_at = clock_timestamp()
     RETURNING (SELECT fingerprint FROM data_key_checks WHERE key_id = 'lookup') AS now_on`,
    [p.id, p.roles, p.host, p.pid, p.lookupFingerprint, JSON.stringify(p.dataKeys)],
  );
  return rows[0]?.now_on ?? undefined;
}

/** The process stopped cleanly: it no longer counts as alive. */
export async function endBeats(pool: Pool, id: string): Promise<void> {
  await pool.query('DELETE FROM process_heartbeats WHERE id = $1', [id]);
}

/**
 * Processes that beat within the last `withinMs` (on the database's clock); older rows are of
 * processes gone. With `lacking`, only those that do not hold that data key (same id and
 * fingerprint): `keys rotate` must not move values under a key a running process cannot read.
 */
export async function liveProcesses(pool: Pool, withinMs: number, lacking?: { keyId: string; fingerprint: string }): Promise<LiveProcess[]> {
  await pool.query(`DELETE FROM process_heartbeats WHERE seen_at < clock_timestamp() - interval '1 day'`);
  const { rows } = await pool.query<{ roles: string; host: string; pid: number; ago: string; key_ids: string[] }>(
    `SELECT roles, host, pid, extract(epoch FROM clock_timestamp() - seen_at)::int AS ago,
            ARRAY(SELECT jsonb_object_keys(data_keys) ORDER BY 1) AS key_ids
     FROM process_heartbeats
     WHERE seen_at > clock_timestamp() - $1 * interval '1 millisecond'
       AND ($2::text IS NULL OR data_keys ->> $2 IS DISTINCT FROM $3)
     ORDER BY seen_at DESC`,
    [withinMs, lacking?.keyId ?? null, lacking?.fingerprint ?? null],
  );
  return rows.map((r) => ({ roles: r.roles, host: r.host, pid: r.pid, secondsAgo: Number(r.ago), dataKeyIds: r.key_ids }));
}
