/**
 * The merge of a confirmed changed number (seed 002): everything the person owns moves from the
 * old contact to the new number's in one transaction, the old one becomes an alias.
 */
import type { PoolClient } from 'pg';
import { dataCodec } from '../infra/data-keys';
import type { MergeFacts, MergeRules, StoredCampaign } from '../core/recovery/merge';
import type { Pool } from './pool';
import { insertSuppressions } from './suppressions';
import { inTransaction } from './transaction';

export interface MergeResult {
  oldContactId: number;
  newContactId: number;
  moved: Record<string, number>;
  /** The one-person copy of the follow-up campaign created for the welcome-back, to be launched. */
  welcomeBackCampaignId: number | null;
  alreadyMerged: boolean;
}

/** The follow-up campaign as stored (the welcome-back's template), or undefined. */
async function storedCampaign(client: PoolClient, id: number): Promise<StoredCampaign | undefined> {
  const { rows } = await client.query<StoredCampaign>('SELECT name, category, definition FROM campaigns WHERE id = $1', [id]);
  return rows[0];
}

async function insertCampaign(client: PoolClient, c: StoredCampaign): Promise<number> {
  const { rows } = await client.query('INSERT INTO campaigns (name, category, definition) VALUES ($1, $2, $3) RETURNING id', [c.name, c.category, c.definition]);
  return Number(rows[0].id);
}

const FACT_COLUMNS = `id, tier, score, channel_tag, name_enc, order_currency, shipping_address_enc, registered_at, first_order_at, last_order_at, source_order_count, order_count, order_value`;

/** A contact's facts, its name and address decrypted (the plan folds values; they are sealed again on write). */
const factsOf = (r: Record<string, any>): MergeFacts => ({
  tier: r.tier,
  score: r.score,
  channelTag: r.channel_tag,
  name: dataCodec().decryptOrNull(r.name_enc),
  orderCurrency: r.order_currency,
  shippingAddress: dataCodec().decryptOrNull(r.shipping_address_enc),
  registeredAt: r.registered_at,
  firstOrderAt: r.first_order_at,
  lastOrderAt: r.last_order_at,
  sourceOrderCount: r.source_order_count,
  orderCount: r.order_count,
  orderValue: r.order_value,
});

/**
 * Confirmed: the old contact becomes an alias of the candidate, and everything the person owns
 * moves in ONE transaction (orders, points, coupons, consents, e-mails, addresses, customer ids,
 * events, score history; facts folded into the new contact, whose channel tag stays the primary
 * one). The old record is suppressed on every channel (its dead number may be given to a
 * stranger), the audit row written, the case closed, and the welcome-back created as a one-person
 * copy of the follow-up campaign (launched by the caller). How the facts fold and what the
 * welcome-back is are the rules' (core/recovery/merge.ts MERGE_RULES): this writes the plan.
 */
export async function mergeConfirmed(pool: Pool, caseId: number, opts: { actor: string; at: Date; followUpCampaignId: number | null; rules: MergeRules }): Promise<MergeResult> {
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
    const locked = await client.query(`SELECT ${FACT_COLUMNS} FROM contacts WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`, [[oldId, newId]]);
    const factsById = new Map(locked.rows.map((r) => [Number(r.id), factsOf(r)]));
    const plan = opts.rules.plan(factsById.get(newId)!, factsById.get(oldId)!, { oldContactId: oldId, caseId });
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
    const f = plan.survivor;
    const codec = dataCodec();
    await client.query(
      `UPDATE contacts n SET
         device_ids = ARRAY(SELECT DISTINCT unnest(n.device_ids || o.device_ids) ORDER BY 1),
         channel_tags = ARRAY(SELECT DISTINCT unnest(n.channel_tags || o.channel_tags) ORDER BY 1),
         sources = ARRAY(SELECT DISTINCT unnest(n.sources || o.sources || $3::text[]) ORDER BY 1),
         channel_tag = $4, name_enc = $5, order_currency = $6, shipping_address_enc = $7, registered_at = $8, first_order_at = $9, last_order_at = $10,
         source_order_count = $11, order_count = $12, order_value = $13, tier = $14, score = $15, updated_at = $16
       FROM contacts o WHERE n.id = $2 AND o.id = $1`,
      [oldId, newId, plan.addSources.survivor, f.channelTag, codec.encryptOrNull(f.name), f.orderCurrency, codec.encryptOrNull(f.shippingAddress), f.registeredAt, f.firstOrderAt, f.lastOrderAt, f.sourceOrderCount, f.orderCount, f.orderValue, f.tier, f.score, opts.at],
    );
    const t = plan.tierChange;
    if (t)
      await client.query(`INSERT INTO tier_history (contact_id, at, from_tier, to_tier, score, cause, reasons) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [newId, opts.at, t.from, t.to, t.score, t.cause, t.reasons]);
    const o = plan.old;
    await client.query(
      `UPDATE contacts SET sms_eligible = $4, order_count = $5, order_value = $6, last_order_at = $7, source_order_count = $8,
         sources = ARRAY(SELECT DISTINCT unnest(sources || $3::text[]) ORDER BY 1), updated_at = $2 WHERE id = $1`,
      [oldId, opts.at, plan.addSources.old, o.smsEligible, o.orderCount, o.orderValue, o.lastOrderAt, o.sourceOrderCount],
    );
    await insertSuppressions(client, [{ contactId: oldId, channel: 'all', kind: 'manual', source: 'recovery:merged', proof: { mergedInto: newId, caseId } }], opts.at);
    await client.query('INSERT INTO contact_aliases (old_contact_id, contact_id, old_phone_hash, case_id, created_at) VALUES ($1, $2, $3, $4, $5)', [oldId, newId, row.old_phone_hash, caseId, opts.at]);
    await client.query('INSERT INTO merge_audit (case_id, old_contact_id, new_contact_id, actor, cause, moved, at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      caseId, oldId, newId, opts.actor, 'confirm_reply', moved, opts.at,
    ]);
    await client.query(`UPDATE recovery_cases SET state = 'confirmed', reply_kind = 'confirm', replied_at = $2, closed_at = $2 WHERE id = $1`, [caseId, opts.at]);
    await client.query(`UPDATE recovery_candidates SET status = 'recovered', closed_at = $2 WHERE contact_id = $1 AND status IN ('open', 'in_progress')`, [oldId, opts.at]);
    const template = opts.followUpCampaignId === null ? undefined : await storedCampaign(client, opts.followUpCampaignId);
    const welcomeBack = template ? opts.rules.welcomeBack(template, newId, caseId) : null;
    const welcomeBackCampaignId = welcomeBack ? await insertCampaign(client, welcomeBack) : null;
    if (welcomeBackCampaignId !== null) await client.query('UPDATE recovery_cases SET welcome_back_campaign_id = $2 WHERE id = $1', [caseId, welcomeBackCampaignId]);
    return { oldContactId: oldId, newContactId: newId, moved, welcomeBackCampaignId, alreadyMerged: false };
  });
}

/** The audit row of a case's merge (who, what moved, when); undefined when the case never merged. */
export async function mergeAuditOf(pool: Pool, caseId: number): Promise<{ actor: string; moved: unknown; at: Date } | undefined> {
  const { rows } = await pool.query<{ actor: string; moved: unknown; at: Date }>('SELECT actor, moved, at FROM merge_audit WHERE case_id = $1', [caseId]);
  return rows[0];
}
