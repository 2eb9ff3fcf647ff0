import { emailHash, phoneHash } from '../db/contacts';
import type { Pool } from '../db/pool';
import { dataCodec } from '../infra/data-keys';

/** The i-th seeded US number: +1212 5000001, +1212 5000002, ... */
export const usPhone = (i: number) => `+1212${String(5_000_000 + i).padStart(7, '0')}`;

/**
 * Contacts 1..n with the numbers usPhone(1..n) (New York, tier B, reachable), written as the
 * application writes them: keyed lookup hash, number encrypted. 10,000 per statement.
 */
export async function seedUsContacts(pool: Pool, n: number): Promise<void> {
  for (let from = 1; from <= n; from += 10_000) {
    const phones = Array.from({ length: Math.min(10_000, n - from + 1) }, (_, k) => usPhone(from + k));
    await pool.query(
      `INSERT INTO contacts (phone_hash, phone_enc, line_type, country, language, time_zones, validity, number_status, tier, policy_version)
       SELECT h, e, 'fixed_or_mobile', 'US', 'en', '{America/New_York}', 'reachable', 'active', 'B', 'score-policy.v1'
       FROM unnest($1::text[], $2::bytea[]) AS u(h, e)`,
      [phones.map(phoneHash), dataCodec().encryptMany(phones)],
    );
  }
}

/** An e-mail (c<id>@example.com, encrypted and keyed as the application writes it) for every contact with an even id. */
export async function seedEmailsOfHalf(pool: Pool): Promise<void> {
  const withEmail = (await pool.query<{ id: string }>(`SELECT id FROM contacts WHERE id % 2 = 0 ORDER BY id`)).rows.map((r) => r.id);
  for (let i = 0; i < withEmail.length; i += 10_000) {
    const ids = withEmail.slice(i, i + 10_000);
    const emails = ids.map((id) => `c${id}@example.com`);
    await pool.query(`INSERT INTO contact_emails (contact_id, email_hash, email_enc) SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[])`, [ids, emails.map(emailHash), dataCodec().encryptMany(emails)]);
  }
}
