import { PENDING_SMS_OPT_OUT_SQL } from './pending-optouts';
import type { Pool } from './pool';
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
  /** 'channel:kind' of each suppression, e.g. 'sms:opt_out', 'all:complaint' (an opt-out still pending for the number included). */
  suppressions: string[];
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
       COALESCE((SELECT array_agg(s.channel || ':' || s.kind) FROM suppressions s WHERE s.contact_id = c.id), '{}')
         || CASE WHEN ${PENDING_SMS_OPT_OUT_SQL} THEN '{sms:opt_out}'::text[] ELSE '{}' END AS suppressions,
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
        suppressions: r.suppressions,
        consents: (r.consents as string[]).map(consentOf),
      },
    ]),
  );
}
