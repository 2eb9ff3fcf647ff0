/**
 * The contact's reference in the API (contacts.public_id, migration 0028): ct_ + 32 hex digits of
 * gen_random_uuid, so a caller cannot guess one or walk the sequential ids. Given on first use
 * (shown by `contact show`, returned by the API), so imports pay nothing for it.
 */
import { CONTACT_REF } from '../core/api-tokens';
import type { Pool } from './pool';

export const PUBLIC_ID = CONTACT_REF;

const NEW_PUBLIC_ID_SQL = `'ct_' || replace(gen_random_uuid()::text, '-', '')`;

/** The contact with this reference; undefined for anything else (malformed included). */
export async function contactOfPublicId(pool: Pool, ref: string): Promise<number | undefined> {
  if (!PUBLIC_ID.test(ref)) return undefined;
  const { rows } = await pool.query('SELECT id FROM contacts WHERE public_id = $1', [ref]);
  return rows[0] ? Number(rows[0].id) : undefined;
}

/** The contact's reference, given now if it had none; undefined when there is no such contact. */
export async function publicIdOf(pool: Pool, contactId: number): Promise<string | undefined> {
  const { rows } = await pool.query(
    `UPDATE contacts SET public_id = COALESCE(public_id, ${NEW_PUBLIC_ID_SQL}) WHERE id = $1 RETURNING public_id`,
    [contactId],
  );
  return rows[0]?.public_id;
}
