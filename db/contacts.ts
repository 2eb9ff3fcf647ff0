import { dataCodec } from '../infra/data-keys';
import type { PoolClient } from 'pg';
import type { Consent, ContactDraft } from '../core/intake/merge';
import type { NumberStatus } from '../core/number-status';
import type { PhoneType } from '../core/phone';
import type { ValidityStatus } from '../core/score-policy';

/** Lookup hashes of personal data: keyed (HMAC under REACHLOOP_LOOKUP_KEY, infra/data-codec.ts), never a bare SHA-256. */
export const phoneHash = (e164: string) => dataCodec().lookupHash(e164);
export const emailHash = (email: string) => dataCodec().lookupHash(email);
/** Of a shipping address's key (core/recovery/match.ts addressKey): matching needs equality only. */
export const addressHash = (key: string) => dataCodec().lookupHash(key);

/** A contact as the intake merge needs it: the draft plus what outcomes and lookups recorded. */
export interface StoredContact {
  id: number;
  draft: ContactDraft;
  validity: ValidityStatus;
  numberStatus: NumberStatus;
  complaints: number;
  activity: Record<string, unknown>;
  tier: string;
}

/** Existing contacts for these hashes, locked FOR UPDATE in hash order (no deadlocks). */
export async function lockContactsByHash(client: PoolClient, hashes: readonly string[]): Promise<Map<string, StoredContact>> {
  const out = new Map<string, StoredContact>();
  if (hashes.length === 0) return out;
  const { rows } = await client.query(
    `SELECT c.*, 
       COALESCE((SELECT array_agg(e.email_enc) FROM contact_emails e WHERE e.contact_id = c.id), '{}') AS emails,
       COALESCE((SELECT json_agg(json_build_object('channel', k.channel, 'purpose', k.purpose, 'source', k.source,
                 'grantedAt', k.granted_at, 'doubleOptIn', k.double_opt_in, 'proof', k.proof) ORDER BY k.channel, k.purpose)
                 FROM consents k WHERE k.contact_id = c.id), '[]') AS consent_list
     FROM contacts c WHERE c.phone_hash = ANY($1::text[]) ORDER BY c.phone_hash FOR UPDATE OF c`,
    [hashes],
  );
  for (const r of rows) {
    out.set(r.phone_hash, {
      id: Number(r.id),
      validity: r.validity,
      numberStatus: r.number_status,
      complaints: r.complaints,
      activity: r.activity,
      tier: r.tier,
      draft: draftFromRow(r, decryptEmails(r.emails), (r.consent_list as Consent[]).map((c) => ({ ...c, grantedAt: new Date(c.grantedAt).toISOString() }))),
    });
  }
  return out;
}

/**
 * A contact's first e-mail (the earliest added, the least of those added together), in two
 * steps: SQL gives the earliest-added ones encrypted (FIRST_EMAILS_SQL, c = the contact), then
 * firstEmail decrypts them and picks the least, as `ORDER BY added_at, email LIMIT 1` did in clear.
 */
export const FIRST_EMAILS_SQL = `(SELECT array_agg(e.email_enc) FROM contact_emails e WHERE e.contact_id = c.id
   AND e.added_at = (SELECT min(f.added_at) FROM contact_emails f WHERE f.contact_id = c.id))`;
export const firstEmail = (sealed: Buffer[] | null): string | null => (sealed?.length ? decryptEmails(sealed)[0]! : null);

/** Decrypted and sorted (the order the merge compares them in). */
export const decryptEmails = (sealed: Buffer[]): string[] => sealed.map((e) => dataCodec().decrypt(e)).sort();

const isoOrNull = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** A contacts row as the mergeable draft, decrypted; e-mails and consents come from their own tables. */
export function draftFromRow(r: Record<string, any>, emails: string[], consents: Consent[]): ContactDraft {
  const codec = dataCodec();
  return {
    e164: codec.decrypt(r.phone_enc),
    extension: r.phone_extension,
    lineType: r.line_type as PhoneType,
    country: r.country,
    region: r.region,
    currency: r.currency,
    language: r.language,
    timeZones: r.time_zones,
    name: codec.decryptOrNull(r.name_enc),
    emails,
    channelTags: r.channel_tags,
    channelTag: r.channel_tag ?? null,
    sources: r.sources,
    deviceIds: r.device_ids,
    lastOrderAt: isoOrNull(r.last_order_at),
    orderValue: r.order_value === null ? null : Number(r.order_value),
    orderCurrency: r.order_currency ?? null,
    registeredAt: isoOrNull(r.registered_at),
    firstOrderAt: isoOrNull(r.first_order_at),
    orderCount: r.source_order_count ?? null,
    shippingAddress: codec.decryptOrNull(r.shipping_address_enc),
    consents,
  };
}
