/**
 * The contact's reference in the API (contacts.public_id, migration 0028): ct_ + 32 hex digits
 * of gen_random_uuid, so a caller cannot guess one or walk the sequential ids.
 */
import type { Pool } from './pool';

export const PUBLIC_ID = /^ct_[0-9a-f]{32}$/;

/** The contact with this reference; undefined for anything else (malformed included). */
export async function contactOfPublicId(pool: Pool, ref: string): Promise<number | undefined> {
  if (!PUBLIC_ID.test(ref)) return undefined;
  const { rows } = await pool.query('SELECT id FROM contacts WHERE public_id = $1', [ref]);
  return rows[0] ? Number(rows[0].id) : undefined;
}

export async function publicIdOf(pool: Pool, contactId: number): Promise<string | undefined> {
  const { rows } = await pool.query('SELECT public_id FROM contacts WHERE id = $1', [contactId]);
  return rows[0]?.public_id;
}
