/**
 * Where a person's data lives, table by table, and what an erasure does with each column
 * (issue 17 item 4). The one list of personal-data columns: db/privacy.ts runs the export and the
 * erasure from it, and the test that scans every text column after an erasure checks that nothing
 * was left out. (The columns encrypted at rest are these too.) Pure data.
 *
 * An erased contact's row stays, anonymised: campaign recipients, decisions and the send ledger
 * refer to it, so campaign counts and reports still add up, and its keyed phone hash carries the
 * erasure's suppression (a re-import of the number merges into this row and stays suppressed).
 */

/** What erasure writes into a column. */
export type ErasureAction =
  | 'null'
  /** An encrypted NOT NULL column (the number): the marker ERASED, sealed, so that readers decrypt it as before. */
  | 'sealed_marker'
  | 'empty_array'
  | 'empty_object'
  | 'empty_list'
  /** jsonb: only number and boolean values are kept (amounts, counts), every string dropped. */
  | 'numbers_only';

export const ERASED_MARKER = 'erased';

export interface TablePlan {
  table: string;
  /** The column that names the contact in this table. */
  by: string;
  /** Personal-data columns and what erasure writes into them (the rest stays: ids, counts, states, times). */
  columns: Readonly<Record<string, ErasureAction>>;
  /** Erasure deletes the person's rows instead (what is left would be meaningless or is a lookup key). */
  deleteRows?: true;
  /** Columns the export leaves out (key hashes: not data about the person, only a lookup). */
  exportOmits?: readonly string[];
  /** Order of the export's rows. */
  orderBy: string;
}

/** Every table holding data about a contact, by the contact's id. */
export const PERSONAL_DATA: readonly TablePlan[] = [
  {
    table: 'contacts',
    by: 'id',
    columns: {
      phone_enc: 'sealed_marker',
      phone_extension: 'null',
      name_enc: 'null',
      shipping_address_enc: 'null',
      device_ids: 'empty_array',
      public_id: 'null',
      registered_at: 'null',
      first_order_at: 'null',
      last_order_at: 'null',
      risk_reasons: 'empty_array',
      activity: 'empty_object',
    },
    exportOmits: ['phone_hash'],
    orderBy: 'id',
  },
  { table: 'contact_emails', by: 'contact_id', columns: { email_enc: 'null', email_hash: 'null' }, deleteRows: true, exportOmits: ['email_hash'], orderBy: 'added_at, email_hash' },
  { table: 'contact_addresses', by: 'contact_id', columns: { address_hash: 'null' }, deleteRows: true, exportOmits: ['address_hash'], orderBy: 'added_at' },
  { table: 'contact_external_ids', by: 'contact_id', columns: { external_id: 'null' }, deleteRows: true, orderBy: 'source, external_id' },
  { table: 'consents', by: 'contact_id', columns: { proof: 'empty_object' }, deleteRows: true, orderBy: 'channel, purpose' },
  { table: 'consent_confirmations', by: 'contact_id', columns: { proof: 'null' }, orderBy: 'asked_at' },
  { table: 'suppressions', by: 'contact_id', columns: { proof: 'empty_object' }, orderBy: 'created_at, channel, kind' },
  { table: 'complaints', by: 'contact_id', columns: { proof: 'empty_object' }, orderBy: 'at, id' },
  { table: 'events', by: 'contact_id', columns: { properties: 'numbers_only', customer_ref: 'null', phone_hash: 'null' }, exportOmits: ['phone_hash'], orderBy: 'occurred_at, id' },
  { table: 'orders', by: 'contact_id', columns: { address_hash: 'null' }, exportOmits: ['address_hash'], orderBy: 'placed_at, id' },
  { table: 'loyalty_points', by: 'contact_id', columns: {}, orderBy: 'at, id' },
  { table: 'coupons', by: 'contact_id', columns: {}, orderBy: 'id' },
  { table: 'send_ledger', by: 'contact_id', columns: { error_message: 'null' }, orderBy: 'id' },
  { table: 'campaign_recipients', by: 'contact_id', columns: {}, orderBy: 'campaign_id, step' },
  { table: 'campaign_decisions', by: 'contact_id', columns: {}, orderBy: 'at, id' },
  { table: 'tracked_links', by: 'contact_id', columns: {}, orderBy: 'created_at, code' },
  { table: 'api_messages', by: 'contact_id', columns: { key_hash: 'null', body_hash: 'null' }, exportOmits: ['key_hash', 'body_hash'], orderBy: 'id' },
  { table: 'tier_history', by: 'contact_id', columns: {}, orderBy: 'at, id' },
  { table: 'number_checks', by: 'contact_id', columns: {}, orderBy: 'at, id' },
  { table: 'recovery_candidates', by: 'contact_id', columns: {}, exportOmits: ['old_phone_hash'], orderBy: 'id' },
  { table: 'recovery_cases', by: 'contact_id', columns: { candidate_enc: 'null', evidence: 'empty_list', excluded: 'empty_list' }, exportOmits: ['old_phone_hash', 'candidate_phone_hash'], orderBy: 'id' },
  // The cases of other customers in which this person's number was the candidate.
  { table: 'recovery_cases', by: 'candidate_contact_id', columns: { candidate_enc: 'null', evidence: 'empty_list', excluded: 'empty_list' }, exportOmits: ['old_phone_hash', 'candidate_phone_hash', 'contact_id'], orderBy: 'id' },
  { table: 'contact_aliases', by: 'old_contact_id', columns: {}, exportOmits: ['old_phone_hash'], orderBy: 'created_at' },
  { table: 'contact_aliases', by: 'contact_id', columns: {}, exportOmits: ['old_phone_hash'], orderBy: 'created_at' },
  { table: 'merge_audit', by: 'old_contact_id', columns: {}, orderBy: 'at, id' },
  { table: 'merge_audit', by: 'new_contact_id', columns: {}, orderBy: 'at, id' },
  { table: 'access_audit', by: 'contact_id', columns: {}, orderBy: 'at, id' },
];

/**
 * Data about the person held by their number or address rather than their contact id, found by
 * the numbers' keyed hashes and customer ids of the contact and of the contacts merged into it
 * (and, for the text of import lines, by the numbers' digits, the addresses, name and shipping
 * address): erased, and exported under `heldByIdentifier` (services/privacy.ts).
 */
export const BY_IDENTIFIER = {
  /** Events from the number or the source's customer id that never attached to a contact: deleted. */
  unmatchedEvents: { table: 'events', columns: ['phone_hash', 'customer_ref'] },
  /** Opt-outs waiting for the number: the proof (a message text) emptied, the opt-out kept. */
  pendingOptOuts: { table: 'pending_opt_outs', columns: ['proof'] },
  /** The carrier lookup's cached answer for the number: deleted. */
  lookupCache: { table: 'number_lookup_cache', columns: ['phone_hash'] },
  /**
   * Rejected or warned lines of imports, line by line: a line that holds the number, an address or
   * the name in any of its records (a reject's or a warning's detail, the sealed raw line) has the
   * detail of every one of its rejects and warnings emptied and its raw line dropped; line number,
   * field and reason kept. A warnings table's lines are those of the rejects table it names (`of`).
   */
  importLines: [
    { table: 'import_rejects', columns: ['detail'], sealed: 'raw_enc' },
    { table: 'event_import_rejects', columns: ['detail'], sealed: 'raw_enc' },
    // Warnings: also exported when they are of a rejected line of the person (`of`).
    { table: 'import_warnings', columns: ['detail'], of: 'import_rejects' },
    { table: 'event_import_warnings', columns: ['detail'], of: 'event_import_rejects' },
  ],
  /** The text of single API messages sent to the person (their campaign's templates): replaced by the marker. */
  messageTemplates: { table: 'campaigns', columns: ['definition'] },
} as const;

/** Every string leaf of a JSON value replaced by the marker (message templates of an erased person). */
export function redactStrings(value: unknown): unknown {
  if (typeof value === 'string') return `[${ERASED_MARKER}]`;
  if (Array.isArray(value)) return value.map(redactStrings);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactStrings(v)]));
  return value;
}
