import { statusOf } from '../channels/number-lookup';
import { Context } from '@temporalio/activity';
import type { PoolClient } from 'pg';
import { mergeContact, type ContactDraft, type ContactFacts, type IncomingRow } from '../core/intake/merge';
import { decodeStagedRow, partRange } from '../core/intake/staged';
import { compactScoreParts, evaluateContact } from '../core/evaluate';
import { actionForStatus, REGULAR_RECHECK_DAYS, type NumberStatus } from '../core/number-status';
import type { ScorePolicy } from '../core/score';
import type { NumberLookup } from '../channels/number-lookup';
import { copyBuffered, CopyBuffer, copyRows, type CopyValue } from '../db/copy';
import { contactFactsOf } from '../core/activity';
import { attachPendingEvents } from '../db/events';
import { applyPendingOptOuts, settlePendingOptOuts } from '../db/pending-optouts';
import { refoldContacts } from './events';
import { emailHash, lockContactsByHash, type StoredContact } from '../db/contacts';
import { dropStaging, prepareStaged, readStagedStats, stagedGroups, type ImportOptions, type StagedGroupRow } from '../db/intake';
import type { Pool } from '../db/pool';
import { inTransaction, withoutReferenceChecks } from '../db/transaction';
import type { IntakePartitionResult, IntakeReport } from '../workflows/shared';

export interface IntakeDeps {
  pool: Pool;
  lookup: NumberLookup;
  policy: ScorePolicy;
  now: () => Date | Promise<Date>;
}

export const createIntakeActivities = (deps: IntakeDeps) => ({
  /**
   * Before the merge: count registrations per range / device and day over the rows the upload
   * staged (validated and normalised while the file was read). Retry-safe.
   */
  async indexIntake(input: { importId: number }): Promise<void> {
    await prepareStaged(deps.pool, input.importId);
  },

  /**
   * Merge one hash range of the staged rows into contacts. Ranges are disjoint, so no two
   * partitions of one import touch the same contact; an advisory lock per range makes
   * concurrent imports take turns on it. Idempotent: merging the same rows again changes nothing.
   */
  async mergeIntakePartition(input: { importId: number; partition: number; partitions: number }): Promise<IntakePartitionResult> {
    const { importId } = input;
    const [lo, hi] = partRange(input.partition, input.partitions);
    const ctx: MergeContext = {
      deps,
      importId,
      options: await importOptions(deps.pool, importId),
      stats: await readStagedStats(deps.pool, importId, lo, hi),
      now: await deps.now(),
      result: { contacts: 0, created: 0, quarantined: 0, quarantinedByReason: {}, tiers: {}, tierChanges: 0, timeZones: {} },
    };
    const idOf = await inTransaction(deps.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(7243002, $1)', [input.partition]);
      const writer = new ContactWriter(`import:${importId}`);
      // A few thousand staged rows at a time: each number is merged, evaluated and formatted for
      // COPY at once, so only compact COPY text of the range stays in memory until it is written.
      for await (const staged of stagedGroups(client, importId, lo, hi, FETCH_ROWS)) await mergeGroups(client, staged, writer, ctx);
      await writer.write(client);
      const idOf = writer.idOf;
      // Behaviour events that arrived before their number was a contact attach now (core/events.ts).
      await refoldContacts(client, deps, await attachPendingEvents(client, idOf), ctx.now);
      // So do opt-outs (a STOP from the number before it was a contact): it comes in opted out.
      await applyPendingOptOuts(client, idOf);
      return idOf;
    });
    // A STOP committed while this transaction ran was not visible to it: settle once more.
    await settlePendingOptOuts(deps.pool, idOf);
    Context.current().heartbeat();
    return ctx.result;
  },

  /** The report from the phases' counts; drops the staging tables. */
  async finishIntake(input: { importId: number; report: IntakeReport }): Promise<IntakeReport> {
    const report: IntakeReport = { ...input.report, timeZones: sortedCounts(input.report.timeZones) };
    await deps.pool.query(`UPDATE imports SET status = 'completed', report = $2, finished_at = now() WHERE id = $1`, [input.importId, report]);
    await dropStaging(deps.pool, input.importId);
    return report;
  },
});

const NO_REGISTRATIONS = { sameRange: 0, sameDevice: 0 };

/** Staged rows read per cursor fetch in a merge. */
const FETCH_ROWS = 2_000;

interface MergeContext {
  deps: IntakeDeps;
  importId: number;
  options: ImportOptions;
  stats: ReadonlyMap<string, { sameRange: number; sameDevice: number }>;
  now: Date;
  /** Counts of the partition so far. */
  result: IntakePartitionResult;
}

/**
 * Merges a group of numbers (phone hash -> staged rows, ascending hashes) into the writer: locks
 * the ones that are contacts already (in hash order, as the groups come), looks up the status of
 * new and unknown numbers, and evaluates each. New contacts take their ids from the sequence here,
 * so each is formatted for COPY as soon as it is evaluated.
 */
async function mergeGroups(client: PoolClient, staged: ReadonlyMap<string, StagedGroupRow[]>, writer: ContactWriter, ctx: MergeContext): Promise<void> {
  const { deps, importId, options, stats, now, result } = ctx;
  const groups = new Map<string, IncomingRow[]>();
  for (const [hash, rows] of staged) groups.set(hash, rows.map((r) => ({ row: decodeStagedRow(r.data), proof: { importId, line: r.line_no } })));
  const hashes = [...groups.keys()];
  const existing = await lockContactsByHash(client, hashes);
  const toLookUp = hashes.filter((h) => !existing.has(h) || existing.get(h)!.numberStatus === 'unknown');
  const statuses = new Map<string, NumberStatus>();
  const looked = await deps.lookup.lookup(toLookUp.map((h) => groups.get(h)![0]!.row.e164));
  toLookUp.forEach((h, i) => statuses.set(h, statusOf(looked[i]!)));
  const freshIds = await nextContactIds(client, hashes.length - existing.size);
  for (const [hash, incoming] of groups) {
    const prior = existing.get(hash);
    const { sameRange, sameDevice } = stats.get(hash) ?? NO_REGISTRATIONS;
    const draft = mergeContact(prior?.draft ?? null, incoming, { source: options.source, consentPurpose: options.consentPurpose });
    const status = statuses.get(hash) ?? prior!.numberStatus;
    const action = actionForStatus(status);
    const facts = factsOf(prior, action.validity, sameRange, sameDevice);
    const ev = evaluateContact(draft, facts, deps.policy, now);
    writer.add({ hash, draft, status, prior, ev, recheckAfter: recheckAfter(now, action.recheckInHours), sameRange, sameDevice }, prior ? prior.id : freshIds.pop()!);
    result.contacts++;
    for (const zone of incoming[0]!.row.timeZones) result.timeZones[zone] = (result.timeZones[zone] ?? 0) + 1;
    result.tiers[ev.tier.tier] = (result.tiers[ev.tier.tier] ?? 0) + 1;
    if (ev.risk.quarantined) {
      result.quarantined++;
      for (const k of ev.riskKeys) result.quarantinedByReason[k] = (result.quarantinedByReason[k] ?? 0) + 1;
    }
    if (!prior) result.created++;
    if (!prior || prior.tier !== ev.tier.tier) result.tierChanges++;
  }
}


/** Counts by descending count, then name (the order the report lists them in). */
const sortedCounts = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));

interface ContactWrite {
  hash: string;
  draft: ContactDraft;
  status: NumberStatus;
  prior: StoredContact | undefined;
  ev: ReturnType<typeof evaluateContact>;
  recheckAfter: Date;
  sameRange: number;
  sameDevice: number;
}

const CONTACT_COLUMNS = [
  'phone_hash', 'phone_e164', 'phone_extension', 'line_type', 'country', 'region', 'currency', 'language', 'time_zones', 'name',
  'validity', 'number_status', 'sms_eligible', 'channel_tags', 'sources', 'device_ids', 'last_order_at', 'order_value',
  'risk_points', 'risk_reasons', 'quarantined', 'score', 'score_parts', 'tier', 'tier_reasons', 'policy_version', 'recheck_after',
  'prefer_cheaper_channel', 'same_range_registrations', 'same_device_registrations',
] as const;

/** A contacts row (id, then CONTACT_COLUMNS). */
function contactValues({ hash, draft: d, status, ev, recheckAfter, sameRange, sameDevice }: ContactWrite, id: number): CopyValue[] {
  const action = actionForStatus(status);
  return [
    id, hash, d.e164, d.extension, d.lineType, d.country, d.region, d.currency, d.language, d.timeZones, d.name,
    action.validity, status, action.smsEligible, d.channelTags, d.sources, d.deviceIds, d.lastOrderAt, d.orderValue,
    Math.round(ev.risk.points), ev.risk.reasons, ev.risk.quarantined, Math.round(ev.score.total), { json: compactScoreParts(ev.score.parts) }, ev.tier.tier,
    ev.tier.reasons, ev.score.policyVersion, recheckAfter.toISOString(),
    action.preferCheaperChannel, sameRange, sameDevice,
  ];
}

/** Ids for n new contacts from the contacts sequence. */
async function nextContactIds(client: PoolClient, n: number): Promise<number[]> {
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
class ContactWriter {
  /** Phone hash -> contact id of every contact added. */
  readonly idOf = new Map<string, number>();
  private readonly contacts = new CopyBuffer();
  private readonly emails = new CopyBuffer();
  private readonly consents = new CopyBuffer();
  private readonly tiers = new CopyBuffer();
  private readonly known: Array<{ id: number; w: ContactWrite }> = [];

  constructor(private readonly cause: string) {}

  add(w: ContactWrite, id: number): void {
    this.idOf.set(w.hash, id);
    if (w.prior) this.known.push({ id, w });
    else {
      this.contacts.add(contactValues(w, id));
      for (const e of w.draft.emails) this.emails.add([id, emailHash(e), e]);
      for (const k of w.draft.consents) this.consents.add(consentRow(id, k));
    }
    if (w.prior?.tier !== w.ev.tier.tier) this.tiers.add([id, w.prior?.tier ?? null, w.ev.tier.tier, Math.round(w.ev.score.total), this.cause, w.ev.tier.reasons]);
  }

  async write(client: PoolClient): Promise<void> {
    await copyBuffered(client, 'contacts', ['id', ...CONTACT_COLUMNS], this.contacts);
    if (this.known.length) {
      await client.query(`CREATE TEMP TABLE tmp_contacts (LIKE contacts INCLUDING DEFAULTS) ON COMMIT DROP`);
      await copyRows(client, 'tmp_contacts', ['id', ...CONTACT_COLUMNS], this.known.map(({ id, w }) => contactValues(w, id)));
      const updates = CONTACT_COLUMNS.filter((c) => c !== 'phone_hash').map((c) => `${c} = t.${c}`);
      await client.query(`UPDATE contacts c SET ${updates.join(', ')}, updated_at = now() FROM tmp_contacts t WHERE c.id = t.id`);
    }
    // Every row of these three COPYs references a contact inserted above or locked by the caller.
    await withoutReferenceChecks(client, async () => {
      await copyBuffered(client, 'contact_emails', ['contact_id', 'email_hash', 'email'], this.emails);
      await copyBuffered(client, 'consents', CONSENT_COLUMNS, this.consents);
      await copyBuffered(client, 'tier_history', ['contact_id', 'from_tier', 'to_tier', 'score', 'cause', 'reasons'], this.tiers);
    });
    const addedEmails = this.known.flatMap(({ id, w }) => w.draft.emails.filter((e) => !w.prior!.draft.emails.includes(e)).map((e) => [id, e] as const));
    if (addedEmails.length)
      await client.query(
        `INSERT INTO contact_emails (contact_id, email_hash, email) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
        [addedEmails.map((x) => x[0]), addedEmails.map((x) => emailHash(x[1])), addedEmails.map((x) => x[1])],
      );
    const merged = this.known.flatMap(({ id, w }) => w.draft.consents.map((k) => consentRow(id, k)));
    if (merged.length)
      await client.query(
        `INSERT INTO consents (${CONSENT_COLUMNS.join(', ')})
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::boolean[], $7::jsonb[])
         ON CONFLICT (contact_id, channel, purpose) DO UPDATE SET
           granted_at = LEAST(consents.granted_at, EXCLUDED.granted_at),
           source = CASE WHEN EXCLUDED.granted_at < consents.granted_at THEN EXCLUDED.source ELSE consents.source END,
           proof = CASE WHEN EXCLUDED.granted_at < consents.granted_at THEN EXCLUDED.proof ELSE consents.proof END`,
        CONSENT_COLUMNS.map((_, i) => merged.map((row) => (i === 6 ? JSON.stringify((row[6] as { json: unknown }).json) : row[i]))),
      );
  }
}

function factsOf(prior: StoredContact | undefined, validity: ContactFacts['validity'], sameRange: number, sameDevice: number): ContactFacts {
  return contactFactsOf({ activity: prior?.activity ?? {}, complaints: prior?.complaints ?? 0, sameRangeRegistrations: sameRange, sameDeviceRegistrations: sameDevice }, validity);
}

const recheckAfter = (now: Date, hours: number | null) => new Date(now.getTime() + (hours ?? REGULAR_RECHECK_DAYS * 24) * 3_600_000);

async function importOptions(pool: Pool, importId: number): Promise<ImportOptions> {
  const { rows } = await pool.query<{ options: ImportOptions }>('SELECT options FROM imports WHERE id = $1', [importId]);
  if (!rows[0]) throw new Error(`import ${importId} does not exist`);
  return rows[0].options;
}
