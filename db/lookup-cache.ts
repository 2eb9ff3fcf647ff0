/**
 * The per-number cache of carrier lookup answers (migration 0017): read the fresh ones of a
 * batch, write the new ones. Keyed by phone hash; answers older than the TTL are not served.
 */
import type { Pool } from './pool';
import { phoneHash } from './contacts';

export interface CachedLookupRow {
  status: string;
  lineType: string | null;
}

export interface LookupCacheStore {
  /** e164 -> the answer looked up by `provider` at or after `since`, for the numbers that have one. */
  read(provider: string, e164s: readonly string[], since: Date): Promise<Map<string, CachedLookupRow>>;
  write(provider: string, rows: ReadonlyArray<{ e164: string } & CachedLookupRow>, at: Date): Promise<void>;
}

export function pgLookupCache(pool: Pool): LookupCacheStore {
  return {
    async read(provider, e164s, since) {
      if (e164s.length === 0) return new Map();
      const byHash = new Map(e164s.map((n) => [phoneHash(n), n]));
      const { rows } = await pool.query<{ phone_hash: string; status: string; line_type: string | null }>(
        `SELECT phone_hash, status, line_type FROM number_lookup_cache
          WHERE phone_hash = ANY($1::text[]) AND provider = $2 AND looked_up_at >= $3`,
        [[...byHash.keys()], provider, since],
      );
      return new Map(rows.map((r) => [byHash.get(r.phone_hash)!, { status: r.status, lineType: r.line_type }]));
    },
    async write(provider, rows, at) {
      if (rows.length === 0) return;
      await pool.query(
        `INSERT INTO number_lookup_cache (phone_hash, provider, status, line_type, looked_up_at)
         SELECT h, $2, s, t, $5 FROM unnest($1::text[], $3::text[], $4::text[]) AS x(h, s, t)
         ON CONFLICT (phone_hash) DO UPDATE SET provider = EXCLUDED.provider, status = EXCLUDED.status, line_type = EXCLUDED.line_type, looked_up_at = EXCLUDED.looked_up_at`,
        [rows.map((r) => phoneHash(r.e164)), provider, rows.map((r) => r.status), rows.map((r) => r.lineType), at],
      );
    },
  };
}
