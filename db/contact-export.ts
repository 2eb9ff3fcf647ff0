/** The numbers and e-mails an export hashes (`audience export-hashed`): read here, hashed by the CLI. */
import type { Pool } from './pool';

/** all: every contact not merged away; recovery: contacts with an open or expired recovery case. */
export type ExportSegment = 'recovery' | 'all';

/** Each contact of the segment in id order: its number and its first e-mail (null when it has none). */
export async function contactsToExport(pool: Pool, segment: ExportSegment): Promise<Array<{ e164: string; email: string | null }>> {
  const where =
    segment === 'all'
      ? `NOT EXISTS (SELECT 1 FROM contact_aliases a WHERE a.old_contact_id = c.id)`
      : `EXISTS (SELECT 1 FROM recovery_cases k WHERE k.contact_id = c.id AND k.state IN ('detected', 'matched', 'confirmation_sent', 'expired'))`;
  const { rows } = await pool.query<{ phone_e164: string; email: string | null }>(
    `SELECT c.phone_e164, (SELECT min(e.email) FROM contact_emails e WHERE e.contact_id = c.id) AS email FROM contacts c WHERE ${where} ORDER BY c.id`,
  );
  return rows.map((r) => ({ e164: r.phone_e164, email: r.email }));
}
