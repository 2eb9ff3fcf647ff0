/**
 * API tokens in PostgreSQL (table api_tokens, migration 0028): created with their scopes and rate,
 * found by the SHA-256 of the secret the caller presents, revoked. The secret itself is never
 * stored: it is 256 random bits, so a plain (unkeyed) SHA-256 is as good as a keyed one here:
 * nobody can invert or enumerate it, and there is no key to manage or lose.
 */
import { createHash, randomBytes } from 'node:crypto';
import { tokenSecret, type ApiRate, type ApiScope } from '../core/api-tokens';
import type { Pool } from './pool';

export interface ApiTokenRow {
  id: number;
  name: string;
  scopes: ApiScope[];
  rate: ApiRate;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export const tokenDigest = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();

const toRow = (r: Record<string, any>): ApiTokenRow => ({
  id: Number(r.id),
  name: r.name,
  scopes: r.scopes,
  rate: { max: r.rate_max, windowMs: r.rate_window_ms },
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

export class TokenNameTaken extends Error {}

/** A new token: its row and its secret (shown once; only the digest is stored). No name: token-<id>. */
export async function createApiToken(pool: Pool, t: { name?: string; scopes: readonly ApiScope[]; rate: ApiRate }): Promise<{ token: ApiTokenRow; secret: string }> {
  const secret = tokenSecret(randomBytes(32));
  try {
    const { rows } = await pool.query(
      `WITH n AS (SELECT nextval(pg_get_serial_sequence('api_tokens', 'id')) AS id)
       INSERT INTO api_tokens (id, name, token_hash, scopes, rate_max, rate_window_ms)
       SELECT n.id, COALESCE($1, 'token-' || n.id), $2, $3, $4, $5 FROM n RETURNING *`,
      [t.name ?? null, tokenDigest(secret), [...new Set(t.scopes)], t.rate.max, t.rate.windowMs],
    );
    return { token: toRow(rows[0]), secret };
  } catch (err) {
    if ((err as { code?: string; constraint?: string }).code === '23505' && (err as { constraint?: string }).constraint === 'api_tokens_name_key')
      throw new TokenNameTaken(`a token named "${t.name}" exists already`);
    throw err;
  }
}

export async function listApiTokens(pool: Pool): Promise<ApiTokenRow[]> {
  const { rows } = await pool.query('SELECT * FROM api_tokens ORDER BY id');
  return rows.map(toRow);
}

/** Revokes the token named by id (digits) or name; undefined when there is none. Revoking twice keeps the first time. */
export async function revokeApiToken(pool: Pool, idOrName: string, at: Date): Promise<{ token: ApiTokenRow; already: boolean } | undefined> {
  const byId = /^\d{1,15}$/.test(idOrName);
  const { rows } = await pool.query(
    `WITH t AS (SELECT id, revoked_at FROM api_tokens WHERE ${byId ? 'id = $1::bigint' : 'name = $1'} FOR UPDATE)
     UPDATE api_tokens a SET revoked_at = COALESCE(a.revoked_at, $2) FROM t WHERE a.id = t.id RETURNING a.*, t.revoked_at IS NOT NULL AS already`,
    [idOrName, at],
  );
  return rows[0] ? { token: toRow(rows[0]), already: rows[0].already } : undefined;
}

/** The token whose secret has this digest, revoked or not. */
export async function findApiToken(pool: Pool, digest: Buffer): Promise<ApiTokenRow | undefined> {
  const { rows } = await pool.query('SELECT * FROM api_tokens WHERE token_hash = $1', [digest]);
  return rows[0] ? toRow(rows[0]) : undefined;
}

/** Records a use; at most one write per token and minute, so a busy token does not write per request. */
export async function touchApiToken(pool: Pool, id: number, at: Date): Promise<void> {
  await pool.query(`UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`, [id, at]);
}
