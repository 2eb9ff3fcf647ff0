/**
 * The merge of a confirmed changed number (seed 002): everything the person owns moves from the
 * old contact to the new number's in one transaction, the old one becomes an alias.
 */
import type { PoolClient } from 'pg';
import type { Pool } from './pool';
import { inTransaction } from './transaction';

export interface MergeResult {
  oldContactId: number;
  newContactId: number;
  moved: Record<string, number>;
  /** The one-person copy of the follow-up campaign created for the welcome-back, to be launched. */
  welcomeBackCampaignId: number | null;
  alreadyMerged: boolean;
}

/**
 * The welcome-back: a copy of the follow-up campaign (a marketing campaign created as a template,
 * not launched) whose audience is the merged customer alone. Its own rules decide when, or
 * whether, it goes out: consent, the local window, holidays, caps across campaigns.
 */
async function copyWelcomeBack(client: PoolClient, templateId: number, contactId: number, caseId: number): Promise<number | null> {
  const t = await client.query('SELECT name, category, definition FROM campaigns WHERE id = $1', [templateId]);
  const row = t.rows[0];
  if (!row || row.category !== 'marketing') return null;
  const { startAt: _s, deadline: _d, ...def } = row.definition as Record<string, unknown>;
  const name = `${row.name} (welcome back, case ${caseId})`;
  const copy = { ...def, name, audience: { contactIds: [contactId] } };
  const { rows } = await client.query('INSERT INTO campaigns (name, category, definition) VALUES ($1, $2, $3) RETURNING id', [name, row.category, copy]);
  return Number(rows[0].id);
}

/**
 * Confirmed: the old contact becomes an alias of the candidate, and everything the person owns
 * moves in ONE transaction (orders, points, coupons, consents, e-mails, addresses, customer ids,
 * events, score history; facts folded into the new contact, whose channel tag stays the primary
 * one). The old record is suppressed on every channel (its dead number may be given to a
 * stranger), the audit row written, the case closed, and the welcome-back created as a one-person
 * copy of the follow-up campaign (launched by the caller).
 */
export async function mergeConfirmed(pool: Pool, caseId: number, opts: { actor: string; at: Date; followUpCampaignId: number | null }): Promise<MergeResult> {
  return inTransaction(pool, async (client) => {
    const k = await client.query('SELECT * FROM recovery_cases WHERE id = $1 FOR UPDATE', [caseId]);
    const row = k.rows[0];
    if (!row) throw new Error(`recovery case ${caseId} does not exist`);
    const oldId = Number(row.contact_id);
    const newId = Number(row.candidate_contact_id);
    if (row.state === 'confirmed') {
      const a = await client.query('SELECT moved FROM merge_audit WHERE case_id = $1', [caseId]);
      const wb = row.welcome_back_campaign_id === null ? null : Number(row.welcome_back_campaign_id);
      return { oldContactId: oldId, newContactId: newId, moved: a.rows[0]?.moved ?? {}, welcomeBackCampaignId: wb, alreadyMerged: true };
    }
    if (!['matched', 'confirmation_sent'].includes(row.state)) throw new Error(`recovery case ${caseId} is ${row.state}: nothing to merge`);
    // Both contacts locked in id order, as every other writer of contacts locks them.
    await client.query('SELECT id FROM contacts WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE', [[oldId, newId]]);
    const moved: Record<string, number> = {};
    const move = async (table: string) => {
      const r = await client.query(`UPDATE ${table} SET contact_id = $2 WHERE contact_id = $1`, [oldId, newId]);
      moved[table] = r.rowCount ?? 0;
    };
    for (const t of ['orders', 'loyalty_points', 'coupons', 'events', 'tier_history', 'contact_external_ids']) await move(t);
    const copyThenDelete = async (table: string, cols: string, conflict: string) => {
      await client.query(`INSERT INTO ${table} (contact_id, ${cols}) SELECT $2, ${cols} FROM ${table} WHERE contact_id = $1 ON CONFLICT (${conflict}) DO NOTHING`, [oldId, newId]);
      const r = await client.query(`DELETE FROM ${table} WHERE contact_id = $1`, [oldId]);
      moved[table] = r.rowCount ?? 0;
    };
    await copyThenDelete('consents', 'channel, purpose, source, granted_at, double_opt_in, proof', 'contact_id, channel, purpose');
    await copyThenDelete('contact_emails', 'email_hash, email_enc, added_at', 'contact_id, email_hash');
    await copyThenDelete('contact_addresses', 'address_hash, added_at', 'contact_id, address_hash');
    const chained = await client.query('UPDATE contact_aliases SET contact_id = $2 WHERE contact_id = $1', [oldId, newId]);
    moved.aliases = chained.rowCount ?? 0;
    const before = await client.query('SELECT tier, score FROM contacts WHERE id = $1', [newId]);
    const folded = await client.query(
      `UPDATE contacts n SET
         device_ids = ARRAY(SELECT DISTINCT unnest(n.device_ids || o.device_ids) ORDER BY 1),
         channel_tags = ARRAY(SELECT DISTINCT unnest(n.channel_tags || o.channel_tags) ORDER BY 1),
         channel_tag = COALESCE(n.channel_tag, o.channel_tag), -- the survivor's (the new number's) first
         registered_at = LEAST(n.registered_at, o.registered_at),
         first_order_at = LEAST(n.first_order_at, o.first_order_at),
         source_order_count = CASE WHEN n.source_order_count IS NULL AND o.source_order_count IS NULL THEN NULL
                                   ELSE COALESCE(n.source_order_count, 0) + COALESCE(o.source_order_count, 0) END,
         order_currency = COALESCE(n.order_currency, o.order_currency),
         shipping_address_enc = COALESCE(n.shipping_address_enc, o.shipping_address_enc),
         sources = ARRAY(SELECT DISTINCT unnest(n.sources || o.sources || '{recovery}'::text[]) ORDER BY 1),
         name_enc = COALESCE(n.name_enc, o.name_enc),
         last_order_at = GREATEST(n.last_order_at, o.last_order_at),
         order_value = CASE WHEN n.order_value IS NULL AND o.order_value IS NULL THEN NULL ELSE COALESCE(n.order_value, 0) + COALESCE(o.order_value, 0) END,
         order_count = n.order_count + o.order_count,
         tier = LEAST(n.tier, o.tier), score = GREATEST(n.score, o.score),
         updated_at = $3
       FROM contacts o WHERE n.id = $2 AND o.id = $1 RETURNING n.tier, n.score`,
      [oldId, newId, opts.at],
    );
    const after = folded.rows[0];
    if (after.tier !== before.rows[0].tier)
      await client.query(`INSERT INTO tier_history (contact_id, at, from_tier, to_tier, score, cause, reasons) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
        newId, opts.at, before.rows[0].tier, after.tier, after.score, `recovery:merge:${caseId}`, [`merged contact ${oldId} (changed number)`],
      ]);
    await client.query(
      `UPDATE contacts SET sms_eligible = false, order_count = 0, order_value = NULL, last_order_at = NULL, source_order_count = NULL,
         sources = ARRAY(SELECT DISTINCT unnest(sources || '{merged}'::text[]) ORDER BY 1), updated_at = $2 WHERE id = $1`,
      [oldId, opts.at],
    );
    await client.query(
      `INSERT INTO suppressions (contact_id, channel, kind, source, proof, created_at) VALUES ($1, 'all', 'manual', 'recovery:merged', $2, $3) ON CONFLICT (contact_id, channel, kind) DO NOTHING`,
      [oldId, { mergedInto: newId, caseId }, opts.at],
    );
    await client.query('INSERT INTO contact_aliases (old_contact_id, contact_id, old_phone_hash, case_id, created_at) VALUES ($1, $2, $3, $4, $5)', [oldId, newId, row.old_phone_hash, caseId, opts.at]);
    await client.query('INSERT INTO merge_audit (case_id, old_contact_id, new_contact_id, actor, cause, moved, at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      caseId, oldId, newId, opts.actor, 'confirm_reply', moved, opts.at,
    ]);
    await client.query(`UPDATE recovery_cases SET state = 'confirmed', reply_kind = 'confirm', replied_at = $2, closed_at = $2 WHERE id = $1`, [caseId, opts.at]);
    await client.query(`UPDATE recovery_candidates SET status = 'recovered', closed_at = $2 WHERE contact_id = $1 AND status IN ('open', 'in_progress')`, [oldId, opts.at]);
    const welcomeBackCampaignId = opts.followUpCampaignId === null ? null : await copyWelcomeBack(client, opts.followUpCampaignId, newId, caseId);
    if (welcomeBackCampaignId !== null) await client.query('UPDATE recovery_cases SET welcome_back_campaign_id = $2 WHERE id = $1', [caseId, welcomeBackCampaignId]);
    return { oldContactId: oldId, newContactId: newId, moved, welcomeBackCampaignId, alreadyMerged: false };
  });
}
