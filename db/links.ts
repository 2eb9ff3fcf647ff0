/**
 * Short tracked links (migration 0007): stored by the campaign dispatch, one statement per batch
 * before any of its messages is sent; read and counted by GET /l/CODE (server/links.ts).
 */
import type { PoolClient } from 'pg';
import type { Pool } from './pool';

export interface LinkRecord {
  code: string;
  campaignId: number | null;
  contactId: number;
  ledgerId: string | null;
  url: string;
}

/**
 * Stores the links of a batch of messages. A code is derived from (campaign, contact, url), so a
 * retried batch inserts the same rows again: they are kept as first written.
 */
export async function insertLinks(db: Pool | PoolClient, links: readonly LinkRecord[], at: Date): Promise<void> {
  if (links.length === 0) return;
  const sorted = [...links].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  await db.query(
    `INSERT INTO tracked_links (code, campaign_id, contact_id, ledger_id, url, created_at)
     SELECT x.code, x.campaign_id, x.contact_id, x.ledger_id, x.url, $6 FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[]) AS x(code, campaign_id, contact_id, ledger_id, url)
     ON CONFLICT (code) DO NOTHING`,
    [sorted.map((l) => l.code), sorted.map((l) => l.campaignId), sorted.map((l) => l.contactId), sorted.map((l) => l.ledgerId), sorted.map((l) => l.url), at],
  );
}

export interface StoredLink extends LinkRecord {
  clicks: number;
  firstClickAt: Date | null;
  lastClickAt: Date | null;
}

export async function findLink(db: Pool | PoolClient, code: string): Promise<StoredLink | undefined> {
  const { rows } = await db.query('SELECT * FROM tracked_links WHERE code = $1', [code]);
  const r = rows[0];
  if (!r) return undefined;
  return {
    code: r.code,
    campaignId: r.campaign_id === null ? null : Number(r.campaign_id),
    contactId: Number(r.contact_id),
    ledgerId: r.ledger_id === null ? null : String(r.ledger_id),
    url: r.url,
    clicks: r.clicks,
    firstClickAt: r.first_click_at,
    lastClickAt: r.last_click_at,
  };
}

/** Counts one click (in the transaction that stored its event, so counter and events agree). */
export async function countClick(client: PoolClient, code: string, at: Date): Promise<void> {
  await client.query(
    `UPDATE tracked_links SET clicks = clicks + 1, first_click_at = LEAST(first_click_at, $2), last_click_at = GREATEST(last_click_at, $2) WHERE code = $1`,
    [code, at],
  );
}
