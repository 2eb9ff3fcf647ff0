import type { PoolClient } from 'pg';
import type { Pool } from './pool';
import { ERASED_IDENTIFIER_SQL } from './privacy';

/** A contact whose SMS marketing consent is not double-opted-in yet and who was never asked. */
export interface UnconfirmedSmsConsent {
  contactId: number;
  country: string;
  source: string;
}

/**
 * Contacts of these countries with an SMS consent for `purpose` that is not double-opted-in, who
 * can be texted (SMS-eligible, not quarantined, no SMS opt-out or other SMS suppression, neither
 * erased nor holding an erased person's number or address) and were never asked to confirm. In id order.
 */
export async function unconfirmedSmsConsents(pool: Pool, countries: readonly string[], purpose: string): Promise<UnconfirmedSmsConsent[]> {
  const { rows } = await pool.query<{ id: string; country: string; source: string }>(
    `SELECT c.id, c.country, k.source
     FROM contacts c JOIN consents k ON k.contact_id = c.id AND k.channel = 'sms' AND k.purpose = $2 AND NOT k.double_opt_in
     WHERE c.country = ANY($1::text[]) AND c.sms_eligible AND NOT c.quarantined AND c.validity <> 'unreachable'
       AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.contact_id = c.id AND s.channel IN ('sms', 'all'))
       AND NOT ${ERASED_IDENTIFIER_SQL}
       AND NOT EXISTS (SELECT 1 FROM consent_confirmations q WHERE q.contact_id = c.id AND q.channel = 'sms' AND q.purpose = $2)
     ORDER BY c.id`,
    [countries, purpose],
  );
  return rows.map((r) => ({ contactId: Number(r.id), country: r.country, source: r.source }));
}

/** Records that these contacts were asked (by this campaign); ones asked before keep their first row. */
export async function recordConfirmationsAsked(pool: Pool, contactIds: readonly number[], purpose: string, campaignId: number, at: Date): Promise<void> {
  await pool.query(
    `INSERT INTO consent_confirmations (contact_id, channel, purpose, campaign_id, asked_at)
     SELECT id, 'sms', $2, $3, $4 FROM unnest($1::bigint[]) AS u(id)
     ON CONFLICT DO NOTHING`,
    [contactIds, purpose, campaignId, at],
  );
}

/**
 * A YES from a contact that was asked and has not confirmed: its SMS consent for `purpose` becomes
 * double-opted-in, the YES kept as proof on both rows. Returns whether it confirmed anything.
 */
export async function confirmSmsConsent(client: PoolClient, contactId: number, purpose: string, proof: Record<string, unknown>, at: Date): Promise<boolean> {
  const { rowCount } = await client.query(
    `UPDATE consent_confirmations SET confirmed_at = $3, proof = $4
     WHERE contact_id = $1 AND channel = 'sms' AND purpose = $2 AND confirmed_at IS NULL`,
    [contactId, purpose, at, proof],
  );
  if (!rowCount) return false;
  await client.query(
    `UPDATE consents SET double_opt_in = true, proof = (proof::jsonb || jsonb_build_object('doubleOptIn', $3::jsonb))::json
     WHERE contact_id = $1 AND channel = 'sms' AND purpose = $2`,
    [contactId, purpose, JSON.stringify(proof)],
  );
  return true;
}
