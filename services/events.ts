import type { NumberStatus } from '../core/number-status';
import type { PoolClient } from 'pg';
import { withEventFacts } from '../core/activity';
import { causeOf, foldEvents } from '../core/event-fold';
import { orderCurrencyOf } from '../core/score-commercial';
import { parseEvent, UNKNOWN_REF_MESSAGE, type EventRejectReason, type NormalizedEvent } from '../core/event-parse';
import type { EventWarning } from '../core/event-properties';
import type { StandardTag, TagRules } from '../core/events';
import type { CountryCode } from '../core/phone';
import type { ScorePolicy } from '../core/score-policy';
import { phoneHash } from '../db/contacts';
import { contactIdsByHash, contactsByCustomerId, existingContacts, insertEvents, readFoldEvents, recordBatch, type EventRow } from '../db/events';
import { insertSuppressions, type SuppressionRow } from '../db/suppressions';
import type { Pool } from '../db/pool';
import { contactsOfPublicIds, publicIdsOf } from '../db/public-ids';
import { lockContactsById, type RescoreContact } from '../db/rescore';
import { inTransaction, withDeadlockRetry } from '../db/transaction';
import { addUnknownTag, emptySummary, type EventBatchSummary } from '../core/event-summary';
import { rescoreContacts } from './rescore';

export interface EventDeps {
  pool: Pool;
  policy: ScorePolicy;
  /** The clock (the worker's, or a test's pinned or time-skipping one). */
  now: () => Date | Promise<Date>;
}

/** One incoming event: its position (request index or file line) and the parsed JSON. */
export interface EventInput {
  key: number;
  raw?: unknown;
  /** Set when the line was not JSON at all (imports). */
  malformed?: string;
}

export type EventResult =
  | {
      key: number; status: 'stored' | 'duplicate'; eventId: string; tag: StandardTag | null; rawTag: string; contactId: number | null; warnings?: EventWarning[];
      /** The contact's reference (ct_…; null when unmatched): set for the public API only. */
      contactRef?: string | null;
    }
  | { key: number; status: 'rejected'; eventId?: string; reason: EventRejectReason; message: string };

export interface IngestContext {
  rules: TagRules;
  defaultCountry: CountryCode | undefined;
  defaultSource: string;
  /** Whose customer ids the events name when they say not (null/absent: any source's, when one contact has the id). */
  idSource?: string | null;
  importId: number | null;
  /**
   * The public API: events name contacts by reference only (a sequential id is rejected) and each
   * result carries the contact's reference. Otherwise (files of `events import`, reachloop's own
   * events) a sequential id is taken too.
   */
  publicApi: boolean;
  /** False only for events reachloop writes itself (core/event-parse.ts maskPersonalData); default true. */
  maskPersonalData?: boolean;
  /** Inside the batch's transaction, after the events are written (e.g. record rejects). */
  onCommit?: (client: PoolClient, results: readonly EventResult[]) => Promise<void>;
  /** Retry-safe counts: the batch's summary is recorded under (job, batch) in its transaction. */
  job?: { id: string; batch: string };
}

/**
 * Ingests a batch of events in one transaction: validate and map each (a bad one gets its own
 * reason, its neighbours go on), resolve the contacts (by phone hash, customer id, reference or id:
 * one query each for the whole batch), insert with dedupe by event id, then fold the affected
 * contacts' events into their activity and order facts and re-score and re-tier them (rows locked
 * in id order), recording tier changes as `event:<tag>`.
 * An event for a number that is not a contact is stored with contact_id NULL (and its phone
 * hash) and reported as unmatched; it attaches when the number is imported.
 */
export async function ingestEvents(deps: EventDeps, inputs: readonly EventInput[], ctx: IngestContext): Promise<{ results: EventResult[]; summary: EventBatchSummary }> {
  const now = await deps.now();
  const rejectedEarly: EventResult[] = [];
  const parsed: Array<{ key: number; ev: NormalizedEvent; warnings: EventWarning[] }> = [];
  const firstOfId = new Map<string, number>();
  const dupOf: Array<{ key: number; firstKey: number }> = [];
  for (const input of inputs) {
    if (input.malformed !== undefined) {
      rejectedEarly.push({ key: input.key, status: 'rejected', reason: 'malformed_line', message: input.malformed });
      continue;
    }
    const p = parseEvent(input.raw, { rules: ctx.rules, defaultCountry: ctx.defaultCountry, defaultSource: ctx.defaultSource, idSource: ctx.idSource ?? null, sequentialIds: !ctx.publicApi, now, maskPersonalData: ctx.maskPersonalData ?? true });
    if (!p.ok) {
      rejectedEarly.push({ key: input.key, status: 'rejected', reason: p.reason, message: p.message, ...(p.eventId ? { eventId: p.eventId } : {}) });
      continue;
    }
    const first = firstOfId.get(p.event.eventId);
    if (first !== undefined) dupOf.push({ key: input.key, firstKey: first });
    else {
      firstOfId.set(p.event.eventId, input.key);
      parsed.push({ key: input.key, ev: p.event, warnings: p.warnings });
    }
  }

  let summary = emptySummary();
  let results: EventResult[] = [];
  await withDeadlockRetry(() => inTransaction(deps.pool, async (client) => {
    summary = emptySummary();
    results = [...rejectedEarly];
    const phoneOf = (ev: NormalizedEvent) => (ev.subject.kind === 'phone' || ev.subject.kind === 'customer' ? ev.subject.e164 : null);
    const hashes = [...new Set(parsed.flatMap(({ ev }) => (phoneOf(ev) ? [phoneHash(phoneOf(ev)!)] : [])))];
    const ids = [...new Set(parsed.flatMap(({ ev }) => (ev.subject.kind === 'contact' ? [ev.subject.id] : [])))];
    const byHash = await contactIdsByHash(client, hashes);
    const byId = await existingContacts(client, ids);
    const byRef = await contactsOfPublicIds(client, [...new Set(parsed.flatMap(({ ev }) => (ev.subject.kind === 'ref' ? [ev.subject.ref] : [])))]);
    const holder = customerHolders(await contactsByCustomerId(client, [...new Set(parsed.flatMap(({ ev }) => (ev.subject.kind === 'customer' ? [ev.subject.externalId] : [])))]));
    const rows: Array<{ key: number; row: EventRow; warnings: EventWarning[] }> = [];
    for (const { key, ev, warnings } of parsed) {
      let contactId: number | null;
      let hash: string | null;
      let customer: { ref: string; source: string | null } | null = null;
      if (ev.subject.kind === 'customer') {
        // The customer id first; the phone beside it when no contact has the id (yet).
        const found = holder(ev.subject.externalId, ev.subject.idSource);
        if (found === 'ambiguous')
          warnings.push({ field: 'external_id', reason: 'ambiguous_customer_id', detail: 'the customer id is held by contacts of several sources: name the source with --id-source or "id_source"' });
        const held = found === 'ambiguous' ? undefined : found;
        hash = held?.phoneHash ?? (ev.subject.e164 ? phoneHash(ev.subject.e164) : null);
        contactId = held?.contactId ?? (hash ? (byHash.get(hash) ?? null) : null);
        if (!held) customer = { ref: ev.subject.externalId, source: ev.subject.idSource };
      } else if (ev.subject.kind === 'phone') {
        hash = phoneHash(ev.subject.e164);
        contactId = byHash.get(hash) ?? null;
      } else if (ev.subject.kind === 'ref') {
        const found = byRef.get(ev.subject.ref);
        if (!found) {
          results.push({ key, status: 'rejected', eventId: ev.eventId, reason: 'unknown_contact_id', message: UNKNOWN_REF_MESSAGE });
          continue;
        }
        hash = found.phoneHash;
        contactId = found.id;
      } else {
        hash = byId.get(ev.subject.id) ?? null;
        if (hash === null) {
          results.push({ key, status: 'rejected', eventId: ev.eventId, reason: 'unknown_contact_id', message: `contact_id ${ev.subject.id} names no contact` });
          continue;
        }
        contactId = ev.subject.id;
      }
      rows.push({
        key,
        row: {
          eventId: ev.eventId, contactId, phoneHash: hash, tag: ev.tag, rawTag: ev.rawTag, occurredAt: ev.occurredAt, properties: ev.properties, source: ev.source, importId: ctx.importId,
          customerRef: contactId === null ? (customer?.ref ?? null) : null, customerSource: contactId === null ? (customer?.source ?? null) : null,
        },
        warnings,
      });
    }
    // Lock the named contacts first, in id order: inserting an event takes a key-share lock on its
    // contact (the foreign key), and taking FOR UPDATE after that would deadlock two batches.
    const named = [...new Set(rows.flatMap((r) => (r.row.contactId === null ? [] : [r.row.contactId])))].sort((a, b) => a - b);
    const locked = await lockContactsById(client, named);
    const inserted = await insertEvents(client, rows.map((r) => r.row));
    const resultOfKey = new Map<number, EventResult>();
    const newTags = new Map<number, Set<StandardTag>>();
    for (const { key, row, warnings } of rows) {
      const stored = inserted.has(row.eventId);
      const r: EventResult = {
        key, status: stored ? 'stored' : 'duplicate', eventId: row.eventId, tag: row.tag as StandardTag | null, rawTag: row.rawTag, contactId: row.contactId,
        ...(stored && warnings.length ? { warnings } : {}),
      };
      results.push(r);
      resultOfKey.set(key, r);
      if (stored && row.contactId !== null && row.tag !== null) {
        const set = newTags.get(row.contactId) ?? new Set<StandardTag>();
        set.add(row.tag as StandardTag);
        newTags.set(row.contactId, set);
      }
    }
    for (const { key, firstKey } of dupOf) {
      const first = resultOfKey.get(firstKey);
      if (first && first.status !== 'rejected') results.push({ ...first, key, status: 'duplicate' });
      else results.push({ key, status: 'rejected', reason: 'invalid_event_id', message: 'repeats the event_id of a rejected event in the same batch' });
    }
    const outcomes = await refoldContacts(client, deps, newTags, now, locked);
    summary.contactsRescored = outcomes.length;
    summary.tierChanges = outcomes.filter((o) => o.fromTier !== o.toTier).length;
    results.sort((a, b) => a.key - b.key);
    if (ctx.publicApi) results = await withContactRefs(client, results);
    tally(summary, results);
    await ctx.onCommit?.(client, results);
    // After the caller's own: an inbound STOP or an unsubscribe link records its suppression with its own source first.
    await insertSuppressions(client, unsubscribesOf(rows, inserted), now);
    if (ctx.job) await recordBatch(client, ctx.job.id, ctx.job.batch, summary);
  }));
  return { results, summary };
}

/**
 * The results with their contacts' references, given in one statement to those that had none (the
 * rows are locked). An erased contact has none and gets none: its event is answered as one naming
 * no contact (stored on the anonymised row all the same), so that the API tells nothing of it.
 */
async function withContactRefs(client: PoolClient, results: readonly EventResult[]): Promise<EventResult[]> {
  const refs = await publicIdsOf(client, results.flatMap((r) => (r.status !== 'rejected' && r.contactId !== null ? [r.contactId] : [])));
  return results.map((r) => {
    if (r.status === 'rejected') return r;
    const ref = r.contactId === null ? undefined : refs.get(r.contactId);
    return ref === undefined ? { ...r, contactId: null, contactRef: null } : { ...r, contactRef: ref };
  });
}

/**
 * Who holds a customer id: the contact of the named source, or with no source named the one
 * contact any source links it to (several contacts: nobody, the id is ambiguous).
 */
function customerHolders(held: ReadonlyArray<{ source: string; externalId: string; contactId: number; phoneHash: string }>) {
  const byId = new Map<string, typeof held>();
  for (const h of held) byId.set(h.externalId, [...(byId.get(h.externalId) ?? []), h]);
  return (externalId: string, source: string | null) => {
    const all = byId.get(externalId) ?? [];
    if (source !== null) return all.find((h) => h.source === source);
    const contacts = new Set(all.map((h) => h.contactId)).size;
    return contacts === 1 ? all[0] : contacts > 1 ? ('ambiguous' as const) : undefined;
  };
}

/**
 * Withdrawal by any channel: each newly stored `unsubscribe` event of a contact (events API, event
 * import, webhook) opts the contact out of the channel its properties name, every channel if none,
 * with the event as proof. A replayed event (a duplicate) changes nothing, so a later opt-in stands.
 */
function unsubscribesOf(rows: ReadonlyArray<{ row: EventRow }>, inserted: ReadonlySet<string>): SuppressionRow[] {
  return rows.flatMap(({ row }) => {
    if (row.tag !== 'unsubscribe' || row.contactId === null || !inserted.has(row.eventId)) return [];
    const named = (row.properties as { channel?: unknown }).channel;
    const channel = named === 'sms' || named === 'email' ? named : 'all';
    const proof = { eventId: row.eventId, event: row.rawTag, source: row.source, occurredAt: row.occurredAt, properties: row.properties, ...(row.importId !== null ? { importId: row.importId } : {}) };
    return [{ contactId: row.contactId, channel, kind: 'opt_out' as const, source: `event:${row.source}`, proof }];
  });
}

/**
 * Re-folds the events of these contacts (locked in id order) into their activity and order
 * facts and re-scores them; the cause is the most score-relevant of each contact's new tags,
 * unless `also` names one (with a number status learnt at the same time).
 */
export async function refoldContacts(
  client: PoolClient,
  deps: EventDeps,
  newTags: ReadonlyMap<number, Iterable<string>>,
  now: Date,
  locked?: ReadonlyMap<number, RescoreContact>,
  also?: { numberStatus: NumberStatus; cause: string },
) {
  if (newTags.size === 0) return [];
  const ids = [...newTags.keys()].sort((a, b) => a - b);
  const contacts = locked ? new Map(ids.flatMap((id) => (locked.has(id) ? [[id, locked.get(id)!] as const] : []))) : await lockContactsById(client, ids);
  const windowDays = deps.policy.activity.windowDays;
  const events = await readFoldEvents(client, ids, new Date(now.getTime() - windowDays * 86_400_000));
  const currency = orderCurrencyOf(deps.policy);
  const changes = [...contacts.values()].map((contact) => {
    const facts = foldEvents(events.get(contact.id) ?? [], { now, windowDays, currency });
    return {
      contact,
      activity: withEventFacts(contact.stored.activity, facts),
      orderCount: facts.orderCount,
      lastOrderAt: facts.lastOrderAt,
      cause: also?.cause ?? causeOf([...(newTags.get(contact.id) ?? [])] as StandardTag[]),
      ...(also ? { numberStatus: also.numberStatus } : {}),
    };
  });
  return rescoreContacts(client, changes, deps.policy, now);
}

function tally(s: EventBatchSummary, results: readonly EventResult[]): void {
  for (const r of results) {
    s.read++;
    if (r.status === 'rejected') {
      s.rejected++;
      s.rejectedByReason[r.reason] = (s.rejectedByReason[r.reason] ?? 0) + 1;
      continue;
    }
    if (r.status === 'duplicate') {
      s.duplicates++;
      continue;
    }
    s.stored++;
    if (r.contactId === null) s.unmatched++;
    for (const w of r.warnings ?? []) {
      s.warnings = (s.warnings ?? 0) + 1;
      (s.warningsByReason ??= {})[w.reason] = (s.warningsByReason[w.reason] ?? 0) + 1;
    }
    if (r.tag === null) addUnknownTag(s.unknownTags, r.rawTag, 1);
    else s.tags[r.tag] = (s.tags[r.tag] ?? 0) + 1;
  }
}
