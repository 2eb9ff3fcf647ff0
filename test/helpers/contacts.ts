import { normalizePhone, enrichPhone } from '../../core/phone';
import { emailHash, phoneHash } from '../../db/contacts';
import type { Pool } from '../../db/pool';

export interface SeedContact {
  phone: string;
  tier?: 'A' | 'B' | 'C' | 'D';
  email?: string;
  name?: string;
  /** Marketing consent on these channels (default: sms and email). */
  consent?: Array<'sms' | 'email'>;
  /** Override libphonenumber's zones (e.g. ['Etc/Unknown']). */
  timeZones?: string[];
  numberStatus?: string;
}

/**
 * Inserts contacts as intake would leave them, without running an import: campaign tests want a
 * known audience in known zones. Returns contact ids in order.
 */
export async function seedContacts(pool: Pool, contacts: readonly SeedContact[]): Promise<number[]> {
  const ids: number[] = [];
  for (const c of contacts) {
    const p = normalizePhone(c.phone, {});
    if (!p.ok) throw new Error(`bad test phone ${c.phone}: ${p.reason}`);
    const e = enrichPhone(p);
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO contacts (phone_hash, phone_e164, line_type, country, region, currency, language, time_zones, name, validity, number_status, tier, policy_version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'reachable', $10, $11, 'score-policy.v1') RETURNING id`,
      [phoneHash(p.e164), p.e164, p.type, e.country, e.region, e.currency, e.language, c.timeZones ?? [...e.timeZones], c.name ?? null, c.numberStatus ?? 'active', c.tier ?? 'A'],
    );
    const id = Number(rows[0]!.id);
    ids.push(id);
    if (c.email) await pool.query('INSERT INTO contact_emails (contact_id, email_hash, email) VALUES ($1, $2, $3)', [id, emailHash(c.email), c.email]);
    for (const channel of c.consent ?? ['sms', 'email'])
      await pool.query(`INSERT INTO consents (contact_id, channel, purpose, source, granted_at) VALUES ($1, $2, 'marketing', 'test', now())`, [id, channel]);
  }
  return ids;
}
