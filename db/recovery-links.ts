/**
 * The links a dead number's customer is found again through (seed 002): the same e-mail, an
 * overlapping device id, the same shipping address, or a number the customer reported; each
 * candidate read with what decides whether it may be asked (core/recovery/match.ts): its own
 * dates, quarantine, a dead or opted-out number, an earlier merge, device-farm signals, an erased
 * person's number or address.
 */
import type { FarmSignals } from '../core/device-farm';
import type { AccountDates } from '../core/recovery/history';
import type { CandidateLink, OldContact } from '../core/recovery/match';
import { phoneHash } from './contacts';
import type { Pool } from './pool';
import { ERASED_IDENTIFIER_SQL, isErasedPhoneHash } from './privacy';

/**
 * A candidate contact `c`'s device-farm signals: the intake's registration counts and how many
 * contacts share one of its device ids, itself included (through the partial GIN index on device_ids).
 */
export const FARM_SIGNALS_SQL = `c.same_device_registrations, c.same_range_registrations,
       CASE WHEN c.device_ids = '{}' THEN 1 ELSE (SELECT count(*) FROM contacts d WHERE d.device_ids && c.device_ids AND d.device_ids <> '{}') END AS accounts_on_device`;
export const farmSignalsOf = (r: Record<string, any>): FarmSignals => ({
  sameDeviceRegistrations: r.same_device_registrations,
  sameRangeRegistrations: r.same_range_registrations,
  accountsOnDevice: Number(r.accounts_on_device),
});

/**
 * A contact `c`'s own dates (core/recovery/history.ts): registration, first order (the import's,
 * or the events'), last order, and the earliest and latest opt-in an import's file recorded.
 */
const DATES_SQL = `c.first_seen_at, c.registered_at, LEAST(c.first_order_at, (c.activity ->> 'firstOrderAt')::timestamptz) AS first_order_at, c.last_order_at,
       (SELECT min(k.granted_at) FROM consents k WHERE k.contact_id = c.id AND k.proof ->> 'importId' IS NOT NULL) AS first_opt_in_at,
       (SELECT max(k.granted_at) FROM consents k WHERE k.contact_id = c.id AND k.proof ->> 'importId' IS NOT NULL) AS last_opt_in_at`;
const ms = (d: Date | null) => (d ? d.getTime() : null);
const datesOf = (r: Record<string, any>): Omit<AccountDates, 'firstSeenAt'> => ({
  registeredAt: ms(r.registered_at),
  firstOrderAt: ms(r.first_order_at),
  lastOrderAt: ms(r.last_order_at),
  firstOptInAt: ms(r.first_opt_in_at),
  lastOptInAt: ms(r.last_opt_in_at),
});

/** What a candidate contact `c` is read with: its dates, and what keeps it from being asked. */
const CANDIDATE_SQL = `c.id AS cand_id, c.phone_hash, c.quarantined, ${DATES_SQL}, ${ERASED_IDENTIFIER_SQL} AS erased,
       (c.validity = 'unreachable' OR c.number_status IN ('empty', 'stopped')) AS dead,
       EXISTS (SELECT 1 FROM suppressions s WHERE s.contact_id = c.id AND s.channel IN ('sms', 'all') AND s.kind IN ('opt_out', 'complaint')) AS opted_out,
       EXISTS (SELECT 1 FROM contact_aliases a WHERE a.old_contact_id = c.id) AS is_alias, ${FARM_SIGNALS_SQL}`;
const candidateOf = (r: Record<string, any>, via: CandidateLink['via'], detail: string): CandidateLink => ({
  contactId: Number(r.cand_id),
  phoneHash: r.phone_hash,
  via,
  detail,
  firstSeenAt: r.first_seen_at.getTime(),
  dates: datesOf(r),
  quarantined: r.quarantined,
  dead: r.dead,
  optedOut: r.opted_out,
  isAlias: r.is_alias,
  erased: r.erased,
  farmSignals: farmSignalsOf(r),
});

/**
 * The old contacts and every number linked to them through the customer's own data, in one
 * round trip per batch: same e-mail, overlapping device ids, same shipping address. `erased`: the
 * old contact itself was erased or holds an erased person's number or address (no case for it).
 */
export async function gatherLinks(pool: Pool, contactIds: readonly number[]): Promise<Map<number, { old: OldContact; erased: boolean; links: CandidateLink[] }>> {
  const out = new Map<number, { old: OldContact; erased: boolean; links: CandidateLink[] }>();
  if (!contactIds.length) return out;
  const olds = await pool.query(`SELECT c.id, c.phone_hash, ${DATES_SQL}, ${ERASED_IDENTIFIER_SQL} AS erased FROM contacts c WHERE c.id = ANY($1::bigint[])`, [contactIds]);
  for (const r of olds.rows) out.set(Number(r.id), { old: { id: Number(r.id), phoneHash: r.phone_hash, firstSeenAt: r.first_seen_at.getTime(), ...datesOf(r) }, erased: r.erased, links: [] });
  const { rows } = await pool.query(
    `WITH old AS (SELECT id, device_ids FROM contacts WHERE id = ANY($1::bigint[])),
     links AS (
       SELECT o.id AS old_id, e2.contact_id AS cand_id, 'same_email' AS via, 'a shared e-mail address' AS detail
         FROM old o JOIN contact_emails e1 ON e1.contact_id = o.id
         JOIN contact_emails e2 ON e2.email_hash = e1.email_hash AND e2.contact_id <> o.id
       UNION ALL
       SELECT o.id, c.id, 'same_device', 'a shared device'
         FROM old o JOIN contacts c ON c.device_ids && o.device_ids AND c.device_ids <> '{}' AND c.id <> o.id
         WHERE cardinality(o.device_ids) > 0
       UNION ALL
       SELECT o.id, a2.contact_id, 'same_address', 'a shared shipping address'
         FROM old o JOIN contact_addresses a1 ON a1.contact_id = o.id
         JOIN contact_addresses a2 ON a2.address_hash = a1.address_hash AND a2.contact_id <> o.id
     )
     SELECT l.old_id, l.via, l.detail, ${CANDIDATE_SQL}
     FROM links l JOIN contacts c ON c.id = l.cand_id`,
    [contactIds],
  );
  for (const r of rows) out.get(Number(r.old_id))?.links.push(candidateOf(r, r.via, r.detail));
  return out;
}

/** A self-reported number as a link: its contact if it has one (created later if not; never for an erased person's number). */
export async function selfReportedLink(pool: Pool, e164: string): Promise<CandidateLink> {
  const hash = phoneHash(e164);
  const { rows } = await pool.query(`SELECT ${CANDIDATE_SQL} FROM contacts c WHERE c.phone_hash = $1`, [hash]);
  if (!rows[0]) return { contactId: null, phoneHash: hash, via: 'self_reported', detail: 'reported by the customer', erased: await isErasedPhoneHash(pool, hash) };
  return candidateOf(rows[0], 'self_reported', 'reported by the customer');
}
