import type { PoolClient } from 'pg';
import { compactScoreParts, type Evaluation } from '../core/evaluate';
import type { ContactDraft } from '../core/intake/merge';
import { actionForStatus, type NumberStatus } from '../core/number-status';
import { addressHash, emailHash, type StoredContact } from './contacts';
import { bytea, copyBuffered, CopyBuffer, copyField, type CopyValue } from './copy';
import { dataCodec } from '../infra/data-keys';
import { withoutReferenceChecks } from './transaction';

/** One merged contact, evaluated, as the intake writes it. */
export interface ContactWrite {
  hash: string;
  draft: ContactDraft;
  status: NumberStatus;
  prior: StoredContact | undefined;
  ev: Evaluation;
  /** ISO instant of the next recheck. */
  recheckAfter: string;
  sameRange: number;
  sameDevice: number;
  /** The source's customer ids on this number's rows, with their lines (linked per the import's source). */
  externalIds?: ReadonlyArray<{ id: string; line: number }>;
  /** Keys of the shipping addresses on its rows (core/recovery/match.ts shippingAddressKey), hashed here. */
  addressKeys?: readonly string[];
}

/** Where the rows come from: the import (its source names the customer ids) and the tier history's cause. */
export interface WriterOrigin {
  importId: number;
  source: string;
}

export const CONTACT_COLUMNS = [
  'phone_hash', 'phone_enc', 'phone_extension', 'line_type', 'country', 'region', 'currency', 'language', 'time_zones', 'name_enc',
  'validity', 'number_status', 'sms_eligible', 'channel_tags', 'sources', 'device_ids', 'last_order_at', 'order_value',
  'risk_points', 'risk_reasons', 'quarantined', 'score', 'score_parts', 'tier', 'tier_reasons', 'policy_version', 'recheck_after',
  'prefer_cheaper_channel', 'same_range_registrations', 'same_device_registrations',
  'channel_tag', 'registered_at', 'first_order_at', 'source_order_count', 'order_currency', 'shipping_address_enc',
] as const;

/** A value our own code produced that COPY carries as it is: a number, a boolean, or text from a fixed alphabet. */
const plain = (v: string | number | boolean | null) => (v === null ? '\\N' : v);

/**
 * The COPY line of a contacts row (id, then CONTACT_COLUMNS). Written out column by column for
 * speed (half a million per import): values our code made from a fixed alphabet (ids, hex
 * hashes, E.164 numbers, enum names, country and currency codes, ISO instants, numbers) go as
 * they are; text from the file, the policy or the rules goes through copyField's escaping.
 * The number, the name and the address are encrypted here (infra/data-codec.ts).
 */
export function contactLine({ hash, draft: d, status, ev, recheckAfter, sameRange, sameDevice }: ContactWrite, id: number): string {
  const action = actionForStatus(status);
  const codec = dataCodec();
  const sealed = (v: string | null | undefined) => (v === null || v === undefined ? '\\N' : bytea(codec.encrypt(v)));
  return `${id}\t${hash}\t${sealed(d.e164)}\t${copyField(d.extension)}\t${d.lineType}\t${plain(d.country)}\t${plain(d.region)}\t${plain(d.currency)}\t${plain(d.language)}\t${copyField(d.timeZones)}\t${sealed(d.name)}\t${
    action.validity}\t${status}\t${action.smsEligible}\t${copyField(d.channelTags)}\t${copyField(d.sources)}\t${copyField(d.deviceIds)}\t${plain(d.lastOrderAt)}\t${plain(d.orderValue)}\t${
    Math.round(ev.risk.points)}\t${copyField(ev.risk.reasons)}\t${ev.risk.quarantined}\t${Math.round(ev.score.total)}\t${copyField({ json: compactScoreParts(ev.score.parts) })}\t${ev.tier.tier}\t${
    copyField(ev.tier.reasons)}\t${ev.score.policyVersion}\t${recheckAfter}\t${action.preferCheaperChannel}\t${sameRange}\t${sameDevice}\t${
    copyField(d.channelTag)}\t${plain(d.registeredAt)}\t${plain(d.firstOrderAt)}\t${plain(d.orderCount)}\t${plain(d.orderCurrency)}\t${sealed(d.shippingAddress)}\n`;
}

/** Ids for n new contacts from the contacts sequence. */
export async function nextContactIds(client: PoolClient, n: number): Promise<number[]> {
  if (n <= 0) return [];
  // The sequence is looked up once (MATERIALIZED: inlined, it is looked up again for every id), and
  // the ids come back as one text value instead of n rows: 6x faster than both the other way.
  const { rows } = await client.query<{ ids: string }>(
    `WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence('contacts', 'id')::regclass AS seq)
     SELECT string_agg(nextval(s.seq)::text, ',') AS ids FROM s, generate_series(1, $1)`,
    [n],
  );
  return rows[0]!.ids.split(',').map(Number);
}

const CONSENT_COLUMNS = ['contact_id', 'channel', 'purpose', 'source', 'granted_at', 'double_opt_in', 'proof'];
const consentRow = (id: number, k: ContactDraft['consents'][number]): CopyValue[] => [id, k.channel, k.purpose, k.source, k.grantedAt, k.doubleOptIn, { json: k.proof }];

/**
 * Collects one partition's contacts with their e-mails, consents and tier changes, then writes
 * them. New contacts go straight into the tables with COPY (formatted as they are added);
 * existing ones are updated and their e-mails and consents merged. The caller holds the
 * partition's advisory lock and the existing rows' locks; a number another import created
 * meanwhile fails the transaction on the unique hash, and the retry merges it.
 */
export class ContactWriter {
  /** Phone hash -> contact id of every contact added. */
  readonly idOf = new Map<string, number>();
  private readonly contacts = new CopyBuffer();
  private readonly updates = new CopyBuffer();
  private readonly emails = new CopyBuffer();
  private readonly consents = new CopyBuffer();
  private readonly tiers = new CopyBuffer();
  private readonly known: Array<{ id: number; w: ContactWrite }> = [];
  /** Customer id -> its latest line and the contact of that line. */
  private readonly links = new Map<string, { line: number; contactId: number }>();
  private readonly addresses: Array<[number, string]> = [];
  private readonly cause: string;

  constructor(private readonly origin: WriterOrigin) {
    this.cause = `import:${origin.importId}`;
  }

  /** Customer ids linked by this partition: (source, id, contact id) of each. */
  get linkedIds(): Array<{ source: string; externalId: string; contactId: number }> {
    return [...this.links].map(([externalId, l]) => ({ source: this.origin.source, externalId, contactId: l.contactId }));
  }

  add(w: ContactWrite, id: number): void {
    this.idOf.set(w.hash, id);
    for (const x of w.externalIds ?? []) {
      const held = this.links.get(x.id);
      if (!held || x.line > held.line) this.links.set(x.id, { line: x.line, contactId: id });
    }
    for (const key of w.addressKeys ?? []) this.addresses.push([id, addressHash(key)]);
    if (w.prior) {
      this.known.push({ id, w });
      this.updates.addLine(contactLine(w, id));
    } else {
      this.contacts.addLine(contactLine(w, id));
      for (const e of w.draft.emails) this.emails.add([id, emailHash(e), dataCodec().encrypt(e)]);
      for (const k of w.draft.consents) this.consents.add(consentRow(id, k));
    }
    if (w.prior?.tier !== w.ev.tier.tier) this.tiers.add([id, w.prior?.tier ?? null, w.ev.tier.tier, Math.round(w.ev.score.total), this.cause, w.ev.tier.reasons]);
  }

  async write(client: PoolClient): Promise<void> {
    await copyBuffered(client, 'contacts', ['id', ...CONTACT_COLUMNS], this.contacts);
    if (this.known.length) {
      await client.query(`CREATE TEMP TABLE tmp_contacts (LIKE contacts INCLUDING DEFAULTS) ON COMMIT DROP`);
      await copyBuffered(client, 'tmp_contacts', ['id', ...CONTACT_COLUMNS], this.updates);
      const updates = CONTACT_COLUMNS.filter((c) => c !== 'phone_hash').map((c) => `${c} = t.${c}`);
      await client.query(`UPDATE contacts c SET ${updates.join(', ')}, updated_at = now() FROM tmp_contacts t WHERE c.id = t.id`);
    }
    // Every row of these three COPYs references a contact inserted above or locked by the caller.
    await withoutReferenceChecks(client, async () => {
      await copyBuffered(client, 'contact_emails', ['contact_id', 'email_hash', 'email_enc'], this.emails);
      await copyBuffered(client, 'consents', CONSENT_COLUMNS, this.consents);
      await copyBuffered(client, 'tier_history', ['contact_id', 'from_tier', 'to_tier', 'score', 'cause', 'reasons'], this.tiers);
    });
    const addedEmails = this.known.flatMap(({ id, w }) => w.draft.emails.filter((e) => !w.prior!.draft.emails.includes(e)).map((e) => [id, e] as const));
    if (addedEmails.length)
      await client.query(
        `INSERT INTO contact_emails (contact_id, email_hash, email_enc) SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[]) ON CONFLICT DO NOTHING`,
        [addedEmails.map((x) => x[0]), addedEmails.map((x) => emailHash(x[1])), dataCodec().encryptMany(addedEmails.map((x) => x[1]))],
      );
    await this.writeLinks(client);
    // A consent the merge put in place of a LATER-dated held one replaced a bought list's opt-in
    // (core/intake/merge.ts outranks): written as it is, before the earliest-grant upsert below.
    const replacing = this.known.flatMap(({ id, w }) =>
      w.draft.consents.filter((k) => w.prior!.draft.consents.some((h) => h.channel === k.channel && h.purpose === k.purpose && h.grantedAt < k.grantedAt)).map((k) => consentRow(id, k)),
    );
    if (replacing.length)
      await client.query(
        `UPDATE consents c SET source = x.source, granted_at = x.granted_at, proof = x.proof
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::json[]) AS x(contact_id, channel, purpose, source, granted_at, proof)
         WHERE c.contact_id = x.contact_id AND c.channel = x.channel AND c.purpose = x.purpose`,
        [0, 1, 2, 3, 4, 6].map((i) => replacing.map((row) => (i === 6 ? JSON.stringify((row[6] as { json: unknown }).json) : row[i]))),
      );
    const merged = this.known.flatMap(({ id, w }) => w.draft.consents.map((k) => consentRow(id, k)));
    if (merged.length)
      await client.query(
        `INSERT INTO consents (${CONSENT_COLUMNS.join(', ')})
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::boolean[], $7::json[])
         ON CONFLICT (contact_id, channel, purpose) DO UPDATE SET
           granted_at = LEAST(consents.granted_at, EXCLUDED.granted_at),
           source = CASE WHEN EXCLUDED.granted_at < consents.granted_at THEN EXCLUDED.source ELSE consents.source END,
           proof = CASE WHEN EXCLUDED.granted_at < consents.granted_at THEN EXCLUDED.proof ELSE consents.proof END`,
        CONSENT_COLUMNS.map((_, i) => merged.map((row) => (i === 6 ? JSON.stringify((row[6] as { json: unknown }).json) : row[i]))),
      );
  }

  /**
   * Customer ids and shipping addresses. A customer id already held by a contact moves to this
   * row's contact only when this row is the later statement (a later import, or a later line of
   * the same one), so concurrent partitions end the same whatever order they commit in.
   */
  private async writeLinks(client: PoolClient): Promise<void> {
    if (this.addresses.length)
      await client.query(
        `INSERT INTO contact_addresses (contact_id, address_hash) SELECT * FROM unnest($1::bigint[], $2::text[]) ON CONFLICT DO NOTHING`,
        [this.addresses.map((a) => a[0]), this.addresses.map((a) => a[1])],
      );
    if (this.links.size === 0) return;
    const ids = [...this.links.keys()].sort();
    await client.query(
      `INSERT INTO contact_external_ids (source, external_id, contact_id, import_id, line_no)
       SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::int[])
       ON CONFLICT (source, external_id) DO UPDATE SET contact_id = EXCLUDED.contact_id, import_id = EXCLUDED.import_id, line_no = EXCLUDED.line_no
       WHERE (contact_external_ids.import_id, contact_external_ids.line_no) < (EXCLUDED.import_id, EXCLUDED.line_no)`,
      [this.origin.source, ids, ids.map((x) => this.links.get(x)!.contactId), ids.map(() => this.origin.importId), ids.map((x) => this.links.get(x)!.line)],
    );
  }
}
