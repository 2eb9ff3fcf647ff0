/** The numbers and e-mails an export hashes (`audience export-hashed`): read and decrypted here, hashed by the CLI. */
import { ERASED_MARKER } from '../core/privacy/personal-data';
import { dataCodec } from '../infra/data-keys';
import { decryptEmails } from './contacts';
import type { Pool } from './pool';
import { ERASED_IDENTIFIER_SQL } from './privacy';

/**
 * all: every contact not merged away; recovery: contacts with an open or expired recovery case.
 * Never an erased contact nor one holding an erased number or e-mail (re-imported after the
 * erasure): an export goes to ad platforms.
 */
export type ExportSegment = 'recovery' | 'all';

/** Each contact of the segment in id order: its number and its least e-mail (null when it has none), decrypted. */
export async function contactsToExport(pool: Pool, segment: ExportSegment): Promise<Array<{ e164: string; email: string | null }>> {
  const where =
    segment === 'all'
      ? `NOT EXISTS (SELECT 1 FROM contact_aliases a WHERE a.old_contact_id = c.id)`
      : `EXISTS (SELECT 1 FROM recovery_cases k WHERE k.contact_id = c.id AND k.state IN ('detected', 'matched', 'confirmation_sent', 'expired'))`;
  const { rows } = await pool.query<{ phone_enc: Buffer; emails: Buffer[] | null }>(
    `SELECT c.phone_enc, (SELECT array_agg(e.email_enc) FROM contact_emails e WHERE e.contact_id = c.id) AS emails FROM contacts c WHERE ${where} AND NOT ${ERASED_IDENTIFIER_SQL} ORDER BY c.id`,
  );
  const codec = dataCodec();
  // The least address, as min(email) chose it when it was stored in clear; never the marker an
  // erased value holds, should one be left on a contact not marked erased.
  const real = (v: string | null | undefined) => (v === undefined || v === null || v === ERASED_MARKER ? null : v);
  return rows
    .map((r) => ({ e164: real(codec.decrypt(r.phone_enc)), email: r.emails ? real(decryptEmails(r.emails)[0]) : null }))
    .filter((r): r is { e164: string; email: string | null } => r.e164 !== null);
}
