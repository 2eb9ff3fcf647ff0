import { statusOf } from '../channels/number-lookup';
import { Context } from '@temporalio/activity';
import type { PoolClient } from 'pg';
import { mergeContact, type IncomingRow } from '../core/intake/merge';
import type { ContactFacts } from '../core/score-inputs';
import { shippingAddressKey } from '../core/recovery/match';
import { decodeStagedRow, partRange } from '../core/intake/staged';
import { evaluateContact } from '../core/evaluate';
import { consentWorth } from '../core/policy/consent';
import { CONTACT_POLICY } from '../core/policy/contact-policy';
import { actionForStatus, REGULAR_RECHECK_DAYS, type NumberStatus } from '../core/number-status';
import type { ScorePolicy } from '../core/score-policy';
import type { NumberLookup } from '../channels/number-lookup';
import { contactFactsOf } from '../core/activity';
import { ContactWriter, nextContactIds } from '../db/contact-writer';
import { attachCustomerEvents, attachPendingEvents } from '../db/events';
import { applyPendingOptOuts, settlePendingOptOuts } from '../db/pending-optouts';
import { refoldContacts } from '../services/events';
import { lockContactsByHash, type StoredContact } from '../db/contacts';
import { completeImport, importOptions } from '../db/import-jobs';
import { dropStaging, lockIntakePartition, prepareStaged, readStagedStats, resolveCustomerIds, stagedGroups, warningCounts, type ImportOptions, type StagedGroupRow } from '../db/intake';
import type { Pool } from '../db/pool';
import { inTransaction } from '../db/transaction';
import type { IntakeCounts, IntakeReport } from '../workflows/messages/intake';

/** What merging one hash range of the staged rows did (the workflow adds these up). */
export interface IntakePartitionResult extends IntakeCounts {
  tierChanges: number;
  /** Rows whose consent source is never marketing consent (purchased_list, rented_list), by source. */
  consentNever: Record<string, number>;
}

export interface IntakeDeps {
  pool: Pool;
  lookup: NumberLookup;
  policy: ScorePolicy;
  now: () => Date | Promise<Date>;
}

export const createIntakeActivities = (deps: IntakeDeps) => ({
  /**
   * Before the merge: rows without a phone find their contact by customer id (the others become
   * rejects), and registrations are counted per range / device and day over the rows the upload
   * staged (validated and normalised while the file was read). Retry-safe.
   */
  async indexIntake(input: { importId: number }): Promise<{ rejectedByReason: Record<string, number> }> {
    const options = await importOptions(deps.pool, input.importId);
    const rejectedByReason = await resolveCustomerIds(deps.pool, input.importId, options.source);
    await prepareStaged(deps.pool, input.importId);
    return { rejectedByReason };
  },

  /**
   * Merge one hash range of the staged rows into contacts. Ranges are disjoint, so no two
   * partitions of one import touch the same contact; an advisory lock per range makes
   * concurrent imports take turns on it. Idempotent: merging the same rows again changes nothing.
   */
  async mergeIntakePartition(input: { importId: number; partition: number; partitions: number }): Promise<IntakePartitionResult> {
    const { importId } = input;
    const [lo, hi] = partRange(input.partition, input.partitions);
    const now = await deps.now();
    const ctx: MergeContext = {
      deps,
      importId,
      options: await importOptions(deps.pool, importId),
      stats: await readStagedStats(deps.pool, importId, lo, hi),
      now,
      recheckAfter: recheckTimes(now),
      result: { contacts: 0, created: 0, quarantined: 0, quarantinedByReason: {}, tiers: {}, tierChanges: 0, timeZones: {}, consentNever: {} },
      neverSource: neverSourceOf(),
    };
    const idOf = await inTransaction(deps.pool, async (client) => {
      await lockIntakePartition(client, input.partition);
      const writer = new ContactWriter({ importId, source: ctx.options.source });
      // A few thousand staged rows at a time: each number is merged, evaluated and formatted for
      // COPY at once, so only compact COPY text of the range stays in memory until it is written.
      for await (const staged of stagedGroups(client, importId, lo, hi, FETCH_ROWS)) await mergeGroups(client, staged, writer, ctx);
      await writer.write(client);
      const idOf = writer.idOf;
      // Behaviour events that arrived before their number (or customer id) was a contact's attach now.
      const attached = await attachPendingEvents(client, idOf);
      for (const [id, tags] of await attachCustomerEvents(client, writer.linkedIds)) attached.set(id, [...(attached.get(id) ?? []), ...tags]);
      await refoldContacts(client, deps, attached, ctx.now);
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
    if (report.warningsByReason) {
      // As stored: the warnings of rows rejected after all (no contact for their customer id) are gone.
      report.warningsByReason = sortedCounts(await warningCounts(deps.pool, input.importId));
      report.warnings = Object.values(report.warningsByReason).reduce((a, b) => a + b, 0);
    }
    await completeImport(deps.pool, 'contacts', input.importId, report);
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
  recheckAfter: (hours: number | null) => string;
  /** Counts of the partition so far. */
  result: IntakePartitionResult;
  /** Whether a consent source is never marketing consent, memoised per source name. */
  neverSource: (source: string) => boolean;
}

function neverSourceOf(): (source: string) => boolean {
  const memo = new Map<string, boolean>();
  return (source) => {
    let never = memo.get(source);
    if (never === undefined) memo.set(source, (never = consentWorth(CONTACT_POLICY.consent, source) === 'never'));
    return never;
  };
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
  // A new number's rows include one with its phone (rows matched by customer id have none).
  const looked = await deps.lookup.lookup(toLookUp.map((h) => groups.get(h)!.find((r) => r.row.e164)!.row.e164));
  toLookUp.forEach((h, i) => statuses.set(h, statusOf(looked[i]!)));
  const freshIds = await nextContactIds(client, hashes.length - existing.size);
  for (const [hash, incoming] of groups) {
    const prior = existing.get(hash);
    const { sameRange, sameDevice } = stats.get(hash) ?? NO_REGISTRATIONS;
    const draft = mergeContact(prior?.draft ?? null, incoming, { source: options.source, consentPurpose: options.consentPurpose, isNeverConsent: ctx.neverSource });
    const status = statuses.get(hash) ?? prior!.numberStatus;
    const action = actionForStatus(status);
    const facts = factsOf(prior, action.validity, sameRange, sameDevice);
    const ev = evaluateContact(draft, facts, deps.policy, now);
    const externalIds = incoming.flatMap(({ row, proof }) => (row.externalId ? [{ id: row.externalId, line: proof.line as number }] : []));
    const addressKeys = incoming.flatMap(({ row }) => (row.shippingAddress ? [shippingAddressKey(row.shippingAddress)] : []));
    writer.add({ hash, draft, status, prior, ev, recheckAfter: ctx.recheckAfter(action.recheckInHours), sameRange, sameDevice, externalIds, addressKeys }, prior ? prior.id : freshIds.pop()!);
    result.contacts++;
    // Rows of a source that is never marketing consent (a bought or rented list), with or without an opt-in time.
    for (const { row } of incoming) {
      const source = row.consentSource ?? options.source;
      if (ctx.neverSource(source)) result.consentNever[source] = (result.consentNever[source] ?? 0) + 1;
    }
    for (const zone of draft.timeZones) result.timeZones[zone] = (result.timeZones[zone] ?? 0) + 1;
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

function factsOf(prior: StoredContact | undefined, validity: ContactFacts['validity'], sameRange: number, sameDevice: number): ContactFacts {
  return contactFactsOf({ activity: prior?.activity ?? {}, complaints: prior?.complaints ?? 0, sameRangeRegistrations: sameRange, sameDeviceRegistrations: sameDevice }, validity);
}

/** When a number with this status is checked again (ISO): in its hours, or the regular interval. Memoised per merge. */
function recheckTimes(now: Date): (hours: number | null) => string {
  const memo = new Map<number | null, string>();
  return (hours) => {
    let at = memo.get(hours);
    if (at === undefined) memo.set(hours, (at = new Date(now.getTime() + (hours ?? REGULAR_RECHECK_DAYS * 24) * 3_600_000).toISOString()));
    return at;
  };
}
