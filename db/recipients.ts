import { ERASED_IDENTIFIER_SQL } from './privacy';
import { PENDING_SMS_OPT_OUT_SQL } from './pending-optouts';
import type { Pool } from './pool';
import { SUPPRESSION_PAIRS, suppressionsOf, type ChannelSuppressions } from './suppressions';
import { dataCodec } from '../infra/data-keys';
import { FIRST_EMAILS_SQL, firstEmail } from './contacts';

/** What a send decision and the message need of a recipient, read at send time in one query. */
export interface RecipientRecord {
  contactId: number;
  e164: string;
  name: string | null;
  language: string | null;
  country: string | null;
  tier: string;
  timeZones: string[];
  validity: string;
  smsEligible: boolean;
  quarantined: boolean;
  numberStatus: string;
  email: string | null;
  /** The kinds of suppression in force per sending channel ('all' ones on both; an opt-out still pending for the number included). */
  suppressions: ChannelSuppressions;
  /** The consents for the purpose asked, one per channel, with what the policy weighs: source and double opt-in. */
  consents: StoredChannelConsent[];
}

export interface StoredChannelConsent {
  channel: 'sms' | 'email';
  source: string;
  doubleOptIn: boolean;
}

/** 'sms:1:web_form' (channel, double opt-in, source; the source may hold colons) -> its parts. */
function consentOf(packed: string): StoredChannelConsent {
  const i = packed.indexOf(':');
  return { channel: packed.slice(0, i) as 'sms' | 'email', doubleOptIn: packed[i + 1] === '1', source: packed.slice(i + 3) };
}

export async function loadRecipients(pool: Pool, contactIds: readonly number[], purpose: string): Promise<Map<number, RecipientRecord>> {
  const { rows } = await pool.query(
    `SELECT c.id, c.phone_enc, c.name_enc, c.language, c.country, c.tier, c.time_zones, c.validity, c.sms_eligible, c.quarantined, c.number_status,
       ${FIRST_EMAILS_SQL} AS first_emails,
       ${SUPPRESSION_PAIRS}, ${PENDING_SMS_OPT_OUT_SQL} AS pending_sms_opt_out, ${ERASED_IDENTIFIER_SQL} AS erased_identifier,
       COALESCE((SELECT array_agg(k.channel || CASE WHEN k.double_opt_in THEN ':1:' ELSE ':0:' END || k.source) FROM consents k WHERE k.contact_id = c.id AND k.purpose = $2), '{}') AS consents
     FROM contacts c WHERE c.id = ANY($1::bigint[])`,
    [contactIds, purpose],
  );
  const codec = dataCodec();
  return new Map(
    rows.map((r) => [
      Number(r.id),
      {
        contactId: Number(r.id),
        e164: codec.decrypt(r.phone_enc),
        name: codec.decryptOrNull(r.name_enc),
        language: r.language,
        country: r.country,
        tier: r.tier,
        timeZones: r.time_zones,
        validity: r.validity,
        smsEligible: r.sms_eligible,
        quarantined: r.quarantined,
        numberStatus: r.number_status,
        email: firstEmail(r.first_emails),
        suppressions: suppressionsOf(r.suppression_pairs, r.pending_sms_opt_out, r.erased_identifier),
        consents: (r.consents as string[]).map(consentOf),
      },
    ]),
  );
}
