import { expect } from 'vitest';
import { normalizePhone, enrichPhone } from '../../core/phone';
import { emailHash, phoneHash } from '../../db/contacts';
import type { Pool } from '../../db/pool';
import { dataCodec } from '../../infra/data-keys';

/** Encrypts as the application does (tests write personal data only through this). */
export const seal = (v: string | null | undefined): Buffer | null => dataCodec().encryptOrNull(v);
/** Decrypts a *_enc value read back by a test. */
export const unseal = (v: Buffer | null | undefined): string | null => dataCodec().decryptOrNull(v);

/** Matches a text sealed in JSON (`body_sealed`, db/sealed-fields.ts) that opens to `text`. */
export const sealedText = (text: string) => expect.toSatisfy((v: unknown) => typeof v === 'string' && dataCodec().open(v) === text, `sealed "${text}"`);

const PLAIN_OF = { phone_enc: 'phone_e164', name_enc: 'name', shipping_address_enc: 'shipping_address', email_enc: 'email', candidate_enc: 'candidate_e164', raw_enc: 'raw' } as const;

/**
 * Rows read by a test with their *_enc columns decrypted under the names the plaintext columns
 * had (phone_enc -> phone_e164, name_enc -> name, email_enc -> email, ...), so that assertions
 * read as before encryption at rest.
 */
export function plain<T extends Record<string, any>>(rows: readonly T[]): Array<T & Record<string, any>> {
  return rows.map((r) => {
    const out: Record<string, any> = { ...r };
    for (const [enc, name] of Object.entries(PLAIN_OF))
      if (enc in r) {
        out[name] = unseal(r[enc]);
        delete out[enc];
      }
    return out as T & Record<string, any>;
  });
}

/** Runs a query and decrypts its rows (see plain). */
export const queryPlain = async (pool: Pool, sql: string, params: unknown[] = []) => plain((await pool.query(sql, params)).rows);

export interface SeedContact {
  phone: string;
  tier?: 'A' | 'B' | 'C' | 'D';
  email?: string;
  name?: string;
  /** Marketing consent on these channels (default: sms and email). */
  consent?: Array<'sms' | 'email'>;
  /**
   * Source of those consents (default 'web_form': explicit, so that they count in the EU and GB as
   * well; the contact policy's `consent` section weighs sources, e.g. 'pre_ticked', 'purchased_list').
   */
  consentSource?: string;
  /** The consents are double-opted-in (default false). */
  doubleOptIn?: boolean;
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
      `INSERT INTO contacts (phone_hash, phone_enc, line_type, country, region, currency, language, time_zones, name_enc, validity, number_status, tier, policy_version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'reachable', $10, $11, 'score-policy.v1') RETURNING id`,
      [phoneHash(p.e164), seal(p.e164), p.type, e.country, e.region, e.currency, e.language, c.timeZones ?? [...e.timeZones], seal(c.name), c.numberStatus ?? 'active', c.tier ?? 'A'],
    );
    const id = Number(rows[0]!.id);
    ids.push(id);
    if (c.email) await pool.query('INSERT INTO contact_emails (contact_id, email_hash, email_enc) VALUES ($1, $2, $3)', [id, emailHash(c.email), seal(c.email)]);
    for (const channel of c.consent ?? ['sms', 'email'])
      await pool.query(`INSERT INTO consents (contact_id, channel, purpose, source, granted_at, double_opt_in) VALUES ($1, $2, 'marketing', $3, now(), $4)`, [
        id,
        channel,
        c.consentSource ?? 'web_form',
        c.doubleOptIn ?? false,
      ]);
  }
  return ids;
}

/**
 * The same rows as seedContacts in three statements, for populations of thousands: contacts,
 * e-mails and consents through unnest. Returns contact ids in order.
 */
export async function seedContactsBulk(pool: Pool, contacts: readonly SeedContact[]): Promise<number[]> {
  const cols = { hash: [] as string[], e164: [] as string[], type: [] as string[], country: [] as (string | null)[], region: [] as (string | null)[], currency: [] as (string | null)[], language: [] as (string | null)[], zones: [] as string[], name: [] as (string | null)[], status: [] as string[], tier: [] as string[] };
  for (const c of contacts) {
    const p = normalizePhone(c.phone, {});
    if (!p.ok) throw new Error(`bad test phone ${c.phone}: ${p.reason}`);
    const e = enrichPhone(p);
    cols.hash.push(phoneHash(p.e164));
    cols.e164.push(p.e164);
    cols.type.push(p.type);
    cols.country.push(e.country);
    cols.region.push(e.region);
    cols.currency.push(e.currency);
    cols.language.push(e.language);
    cols.zones.push(`{${(c.timeZones ?? [...e.timeZones]).map((z) => `"${z}"`).join(',')}}`);
    cols.name.push(c.name ?? null);
    cols.status.push(c.numberStatus ?? 'active');
    cols.tier.push(c.tier ?? 'A');
  }
  const { rows } = await pool.query<{ id: string; phone_hash: string }>(
    `INSERT INTO contacts (phone_hash, phone_enc, line_type, country, region, currency, language, time_zones, name_enc, validity, number_status, tier, policy_version)
     SELECT h, e, t, co, r, cu, l, z::text[], n, 'reachable', s, ti, 'score-policy.v1'
     FROM unnest($1::text[], $2::bytea[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bytea[], $10::text[], $11::text[])
       AS u(h, e, t, co, r, cu, l, z, n, s, ti)
     RETURNING id, phone_hash`,
    [cols.hash, dataCodec().encryptMany(cols.e164), cols.type, cols.country, cols.region, cols.currency, cols.language, cols.zones, dataCodec().encryptMany(cols.name), cols.status, cols.tier],
  );
  const idOf = new Map(rows.map((r) => [r.phone_hash, Number(r.id)]));
  const ids = cols.hash.map((h) => idOf.get(h)!);
  const emails = contacts.flatMap((c, i) => (c.email ? [{ id: ids[i]!, email: c.email }] : []));
  await pool.query('INSERT INTO contact_emails (contact_id, email_hash, email_enc) SELECT id, h, e FROM unnest($1::bigint[], $2::text[], $3::bytea[]) AS u(id, h, e)', [
    emails.map((x) => x.id),
    emails.map((x) => emailHash(x.email)),
    dataCodec().encryptMany(emails.map((x) => x.email)),
  ]);
  const consents = contacts.flatMap((c, i) => (c.consent ?? ['sms', 'email']).map((channel) => ({ id: ids[i]!, channel, source: c.consentSource ?? 'web_form', doi: c.doubleOptIn ?? false })));
  await pool.query(
    `INSERT INTO consents (contact_id, channel, purpose, source, granted_at, double_opt_in)
     SELECT id, ch, 'marketing', src, now(), doi FROM unnest($1::bigint[], $2::text[], $3::text[], $4::boolean[]) AS u(id, ch, src, doi)`,
    [consents.map((x) => x.id), consents.map((x) => x.channel), consents.map((x) => x.source), consents.map((x) => x.doi)],
  );
  return ids;
}

/** Rows sorted by a text key (code-point order, as ORDER BY on the plaintext column in "C" collation). */
export const sortBy = <T>(rows: readonly T[], key: (r: T) => string): T[] => [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
