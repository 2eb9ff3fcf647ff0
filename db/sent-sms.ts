/** What was sent to a contact by SMS, read back from the send ledger. */
import type { CampaignDefinition } from '../core/campaign/definition';
import type { Pool } from './pool';

/** The latest marketing SMS that may have reached a contact, with the definition of its campaign. */
export interface LatestMarketingSms {
  ledgerId: string;
  campaignId: number;
  definition: CampaignDefinition;
}

/**
 * The contact's latest marketing SMS that was handed to the provider (sending, sent, delivered or
 * unknown; not a failed or undelivered one, which no reply can answer). Walks the marketing caps
 * index (contact, channel, reserved_at) backwards.
 */
export async function latestMarketingSms(pool: Pool, contactId: number): Promise<LatestMarketingSms | undefined> {
  const { rows } = await pool.query(
    `SELECT l.id, l.campaign_id, c.definition FROM send_ledger l JOIN campaigns c ON c.id = l.campaign_id
     WHERE l.contact_id = $1 AND l.channel = 'sms' AND l.category = 'marketing' AND l.state IN ('sending', 'sent', 'delivered', 'unknown')
     ORDER BY l.reserved_at DESC, l.id DESC LIMIT 1`,
    [contactId],
  );
  const r = rows[0];
  return r ? { ledgerId: String(r.id), campaignId: Number(r.campaign_id), definition: r.definition } : undefined;
}
