/**
 * The contact's reference in the API (contacts.public_id, migration 0028): ct_ + 32 hex digits of
 * gen_random_uuid, so a caller cannot guess one or walk the sequential ids. Given on first use
 * (shown by `contact show`, returned by the API), so imports pay nothing for it. An erased contact
 * has none: erasure empties it (core/privacy/personal-data.ts) and nothing gives it a new one, so
 * the API answers for the person as for an unknown contact.
 */
import { CONTACT_REF } from '../core/api-tokens';
import type { PoolClient } from 'pg';
import type { Pool } from './pool';

export const PUBLIC_ID = CONTACT_REF;

const NEW_PUBLIC_ID_SQL = `'ct_' || replace(gen_random_uuid()::text, '-', '')`;

/** The contact with this reference; undefined for anything else (malformed included). */
export async function contactOfPublicId(pool: Pool, ref: string): Promise<number | undefined> {
  if (!PUBLIC_ID.test(ref)) return undefined;
  const { rows } = await pool.query('SELECT id FROM contacts WHERE public_id = $1 AND erased_at IS NULL', [ref]);
  return rows[0] ? Number(rows[0].id) : undefined;
}

/**
 * The contacts with these references (in one query): id and phone hash by reference. Malformed
 * ones are not looked up; they are missing from the map, as unknown ones are.
 */
export async function contactsOfPublicIds(db: Pool | PoolClient, refs: readonly string[]): Promise<Map<string, { id: number; phoneHash: string }>> {
  const wellFormed = [...new Set(refs.filter((r) => PUBLIC_ID.test(r)))];
  if (wellFormed.length === 0) return new Map();
  const { rows } = await db.query<{ public_id: string; id: string; phone_hash: string }>('SELECT public_id, id, phone_hash FROM contacts WHERE public_id = ANY($1::text[]) AND erased_at IS NULL', [wellFormed]);
  return new Map(rows.map((r) => [r.public_id, { id: Number(r.id), phoneHash: r.phone_hash }]));
}

/** The contact's reference, given now if it had none; undefined when there is no such contact or it was erased. */
export async function publicIdOf(pool: Pool, contactId: number): Promise<string | undefined> {
  return (await publicIdsOf(pool, [contactId])).get(contactId);
}

/**
 * The contacts' references by id, each given now if it had none, in one statement; an erased
 * contact is left out (it gets no new reference). COALESCE
 * rather than `WHERE public_id IS NULL`: a caller that waits on another giving the same contact
 * its reference gets that one back, where a filtered update would skip the row and return nothing.
 * Several contacts: inside a transaction that holds their row locks already (the update takes them
 * in scan order, not in id order).
 */
export async function publicIdsOf(db: Pool | PoolClient, contactIds: readonly number[]): Promise<Map<number, string>> {
  if (contactIds.length === 0) return new Map();
  const { rows } = await db.query<{ id: string; public_id: string }>(
    `UPDATE contacts SET public_id = COALESCE(public_id, ${NEW_PUBLIC_ID_SQL}) WHERE id = ANY($1::bigint[]) AND erased_at IS NULL RETURNING id, public_id`,
    [[...new Set(contactIds)]],
  );
  return new Map(rows.map((r) => [Number(r.id), r.public_id]));
}
