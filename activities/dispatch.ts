import { ApplicationFailure } from '@temporalio/activity';
import type { CampaignDefinition } from '../core/campaign/definition';
import { applyCap, capsFor, decide, TimingCache, type Decision, type DecisionRules, type RecipientSnapshot } from '../core/campaign/decision';
import { CAP_RULE, type NamedCapRule } from '../core/frequency';
import { journeyGate, nextStepDueAt, type JourneyStep } from '../core/campaign/journey';
import { advanceJourney, claimRecipients, finishRecipients, nextDueAt, type ClaimedRecipient, type RecipientOutcome } from '../db/campaign-recipients';
import { copyInto, type CopyValue } from '../db/copy';
import { adoptStaleSending, ledgerRowsOf, recordResults, reserveSends, type LedgerResult, type LedgerRow } from '../db/ledger';
import { engagementSince } from '../db/journeys';
import { loadRecipients, type RecipientRecord } from '../db/recipients';
import type { DispatchTallies } from '../workflows/messages/campaign';
import type { CampaignDeps } from './campaign';
import { reconcile, sendBatch } from './dispatch-send';
import { snapshotOf, type LinkContext } from '../services/messages';
import { beginSendAttempt } from './send-attempt';

export interface DispatchInput {
  campaignId: number;
  /** Deterministic per batch: a retried activity resumes the rows it claimed. */
  claimKey: string;
  limit: number;
  /** This lane's share of the campaign's rate. */
  rate: { sms: number | null; email: number | null };
}

export interface DispatchResult extends DispatchTallies {
  claimed: number;
  /** Recipients per state: what this batch moved out of (negative) and into (positive). */
  stateDelta: Record<string, number>;
  /** Earliest next_at of recipients still to handle; null when none are left. */
  nextDueAt: number | null;
  /** How long until then, by the activities' clock (workflows read no clock). */
  wakeInMs: number | null;
  remaining: number;
}

/** A journey step with the decision rules of its own definition. */
export type RuledStep = JourneyStep & { rules: DecisionRules };
/** A campaign's definition and steps (core/campaign/journey.ts; one step, 'main', without steps). */
export interface CampaignJourney {
  def: CampaignDefinition;
  steps: Map<string, RuledStep>;
  first: RuledStep;
}

/** One batch: what it works on, and what it has decided so far. */
export interface Batch {
  deps: CampaignDeps;
  input: DispatchInput;
  at: Date;
  journey: CampaignJourney;
  step: RuledStep;
  claimed: ClaimedRecipient[];
  records: Map<number, RecipientRecord>;
  linking: LinkContext;
  /** This step's ledger rows of the claimed contacts, read once at the start of the batch. */
  prior: Map<number, LedgerRow>;
  outcomes: Map<number, RecipientOutcome>;
  /** Rows of campaign_decisions, written in step 5. */
  decisions: CopyValue[][];
  /** Why recipients stay claimed for the retry; null when every one has an outcome. */
  incomplete: string | null;
}

type Noted = Decision | { kind: 'SEND' | 'SKIP'; reason: string; channel?: string };

/** Records a recipient's decision (for the audit trail) and outcome (for its new state). */
export function note(b: Batch, contactId: number, d: Noted, outcome: RecipientOutcome): void {
  b.outcomes.set(contactId, outcome);
  const until = d.kind === 'DEFER' ? new Date(d.until) : null;
  const rule = d.kind === 'SEND' ? null : ('rule' in d && d.rule) || d.reason;
  b.decisions.push([b.input.campaignId, contactId, b.at, d.kind, d.reason, until, 'channel' in d ? (d.channel ?? null) : null, 'detail' in d ? (d.detail ?? null) : null, rule, b.step.id]);
}

/**
 * One batch: claim due recipients, (1) settle earlier attempts from the ledger, (2) decide for the
 * rest at send time, (3) reserve caps atomically, (4) send (paced), and (5) record every decision.
 * Retried with the same claim key, it resumes its own rows and never sends twice.
 */
export async function dispatchBatch(deps: CampaignDeps, journey: CampaignJourney, linking: LinkContext, input: DispatchInput): Promise<DispatchResult> {
  const at = await deps.now();
  const result = emptyResult();
  const claimed = await claimRecipients(deps.pool, input.campaignId, input.claimKey, at, input.limit);
  result.claimed = claimed.length;
  if (claimed.length) {
    // A batch works on one step: its definition, rules and ledger key.
    const step = journey.steps.get(claimed[0]!.step);
    if (!step) throw ApplicationFailure.nonRetryable(`campaign ${input.campaignId} has no step ${claimed[0]!.step}`, 'UnknownStep');
    const contactIds = claimed.map((c) => c.contactId);
    // Fencing: this attempt waits for any earlier one that may still be calling the provider
    // for these recipients, then holds a lease while it works (activities/send-attempt.ts).
    const attempt = await beginSendAttempt(
      deps.pool,
      { scope: `campaign:${input.campaignId}:${input.claimKey}`, ledger: { campaignId: input.campaignId, step: step.id, contactIds } },
      { leaseMs: deps.sendLeaseMs, log: deps.log },
    );
    let incomplete: string | null = null;
    try {
      const records = await loadRecipients(deps.pool, contactIds, 'marketing');
      const prior = await ledgerRowsOf(deps.pool, input.campaignId, step.id, contactIds);
      const b: Batch = { deps, input, at, journey, step, claimed, records, linking, prior, outcomes: new Map(), decisions: [], incomplete: null };
      const { toDecide, resend } = await settleEarlierAttempts(b, attempt.id);
      const sends = await decideAtSendTime(b, toDecide);
      const toSend = await reserveCaps(b, sends, resend);
      await sendBatch(b, toSend, attempt);
      const added = await recordBatch(b);
      if (added) result.stateDelta.pending = (result.stateDelta.pending ?? 0) + added;
      tally(result, claimed, b.outcomes);
      incomplete = b.incomplete;
    } finally {
      await attempt.finish().catch((err) => deps.log(`send attempt ${attempt.id}: could not record its end (${(err as Error).message}); its lease runs out instead`));
    }
    // Recipients without an outcome stay claimed under this key: the retry resumes them.
    if (incomplete) throw ApplicationFailure.retryable(`batch ${input.claimKey} incomplete: ${incomplete}`, 'BatchIncomplete');
  }
  const next = await nextDueAt(deps.pool, input.campaignId);
  result.nextDueAt = next.next ? next.next.getTime() : null;
  result.wakeInMs = result.nextDueAt === null ? null : Math.max(0, result.nextDueAt - (await deps.now()).getTime());
  result.remaining = next.remaining;
  return result;
}

/** 1. Earlier attempts of this step (a retried batch, a crashed worker) are settled first. */
async function settleEarlierAttempts(b: Batch, attemptId: string): Promise<{ toDecide: number[]; resend: Set<number> }> {
  const { def } = b.step;
  const stale = await adoptStaleSending(b.deps.pool, [...b.prior.values()].filter((r) => r.state === 'sending').map((r) => r.id), attemptId);
  const toDecide: number[] = [];
  const reconciled: LedgerResult[] = [];
  const resend = new Set<number>();
  for (const c of b.claimed) {
    const row = b.prior.get(c.contactId);
    if (!row || row.state === 'reserved' || row.state === 'released') toDecide.push(c.contactId);
    else if (row.state === 'sending' && !stale.has(row.id)) {
      // Another attempt still owns it (and may be calling the provider): left for the retry.
      b.incomplete = 'row owned by a live attempt';
    } else if (row.state === 'sending') {
      const r = await reconcile(row, b.records.get(c.contactId), def, b.deps.sms, b.linking);
      if (r.kind === 'found') {
        reconciled.push({ id: row.id, state: 'sent', providerId: r.providerId });
        note(b, c.contactId, { kind: 'SEND', reason: 'reconciled', channel: row.channel }, { contactId: c.contactId, state: 'sent', nextAt: null, channel: row.channel, reason: 'reconciled' });
      } else if (r.kind === 'unknown' && def.category === 'marketing') {
        // Nobody can tell whether it went out: for marketing, better not sent than sent twice.
        reconciled.push({ id: row.id, state: 'unknown' });
        note(b, c.contactId, { kind: 'SKIP', reason: 'unknown_outcome', channel: row.channel }, { contactId: c.contactId, state: 'unknown', nextAt: null, channel: row.channel, reason: 'unknown_outcome' });
      } else {
        // The provider's list shows it never arrived (or it is transactional): decide and send again.
        resend.add(c.contactId);
        toDecide.push(c.contactId);
      }
    } else {
      const state = row.state === 'unknown' ? 'unknown' : row.state === 'failed' ? 'failed' : 'sent';
      note(b, c.contactId, { kind: 'SEND', reason: 'already_sent', channel: row.channel }, { contactId: c.contactId, state, nextAt: null, channel: row.channel, reason: 'already_sent' });
    }
  }
  await recordResults(b.deps.pool, reconciled, b.at);
  return { toDecide, resend };
}

type SendWish = { contactId: number; channel: 'sms' | 'email'; caps: readonly NamedCapRule[] };

/** 2. Decide at send time; window computations and caps shared by recipients alike. */
async function decideAtSendTime(b: Batch, toDecide: readonly number[]): Promise<SendWish[]> {
  const { rules } = b.step;
  const timings = new TimingCache(rules);
  const capSets = new Map<string, NamedCapRule[]>();
  const capsOf = (snap: RecipientSnapshot): NamedCapRule[] => {
    const key = `${snap.tier}|${snap.country}|${snap.subdivision}`;
    let caps = capSets.get(key);
    if (!caps) capSets.set(key, (caps = capsFor(rules, snap)));
    return caps;
  };
  const sends: SendWish[] = [];
  const release: LedgerResult[] = [];
  // A later step of a journey: exits (an order, an opt-out) and engagement since the previous send.
  const deciding = new Set(toDecide);
  const since = b.claimed.filter((c) => c.stepSince !== null && deciding.has(c.contactId)).map((c) => ({ contactId: c.contactId, since: c.stepSince! }));
  const engagement = await engagementSince(b.deps.pool, since);
  for (const id of toDecide) {
    const record = b.records.get(id);
    if (!record) {
      note(b, id, { kind: 'SKIP', reason: 'contact_missing' }, { contactId: id, state: 'skipped', nextAt: null, channel: null, reason: 'contact_missing' });
      continue;
    }
    const facts = engagement.get(id);
    const gate = facts ? journeyGate(b.step, b.journey.def.exitOn, facts) : null;
    const snap = snapshotOf(record);
    const d = gate ?? decide(snap, rules, b.at.getTime(), timings);
    if (d.kind === 'SEND') sends.push({ contactId: id, channel: d.channel, caps: capsOf(snap) });
    else {
      const row = b.prior.get(id);
      if (row?.state === 'reserved') release.push({ id: row.id, state: 'released' });
      note(b, id, d, outcomeOf(id, d));
    }
  }
  await recordResults(b.deps.pool, release, b.at);
  return sends;
}

export type ToSend = { row: LedgerRow; record: RecipientRecord };

/** 3. Caps and ledger rows, atomically for the whole batch (the rows read in step 1 are not read again). */
async function reserveCaps(b: Batch, sends: readonly SendWish[], resend: ReadonlySet<number>): Promise<ToSend[]> {
  const reservation = await reserveSends(b.deps.pool, { campaignId: b.input.campaignId, step: b.step.id, category: b.step.def.category, at: b.at, capRule: CAP_RULE }, sends, b.prior);
  const toSend: ToSend[] = [];
  for (const s of sends) {
    const held = reservation.capped.get(s.contactId);
    if (held !== undefined) {
      const d = applyCap({ kind: 'SEND', channel: s.channel, reason: 'ok' }, { ok: false, ...held }, b.step.rules);
      note(b, s.contactId, d, outcomeOf(s.contactId, d));
    } else {
      const row = reservation.rows.get(s.contactId)!;
      if (row.state === 'reserved' || resend.has(s.contactId)) toSend.push({ row, record: b.records.get(s.contactId)! });
      else note(b, s.contactId, { kind: 'SEND', reason: 'already_sent', channel: row.channel }, { contactId: s.contactId, state: 'sent', nextAt: null, channel: row.channel, reason: 'already_sent' });
    }
  }
  return toSend;
}

/** 5. The audit trail and the recipients' new states; returns how many recipients the next step gained. */
async function recordBatch(b: Batch): Promise<number> {
  const { deps, input, step } = b;
  await copyInto(deps.pool, 'campaign_decisions', ['campaign_id', 'contact_id', 'at', 'decision', 'reason', 'until', 'channel', 'detail', 'rule', 'step'], b.decisions);
  // The next step of a journey, for those this step was sent to, before these rows are
  // finished: a retried batch finds them still claimed and adds nothing twice.
  const next = step.next === null ? undefined : b.journey.steps.get(step.next)!;
  let added = 0;
  if (next) {
    const reached = [...b.outcomes.values()].filter((o) => o.state === 'sent').map((o) => o.contactId);
    added = await advanceJourney(deps.pool, input.campaignId, step.id, next.id, reached, b.at, nextStepDueAt(next, b.at));
  }
  await finishRecipients(deps.pool, input.campaignId, [...b.outcomes.values()], step.id);
  return added;
}

function outcomeOf(contactId: number, d: Decision): RecipientOutcome {
  if (d.kind === 'DEFER') return { contactId, state: 'deferred', nextAt: new Date(d.until), channel: d.channel, reason: d.reason };
  if (d.kind === 'SKIP') return { contactId, state: 'skipped', nextAt: null, channel: null, reason: d.reason };
  return { contactId, state: 'sent', nextAt: null, channel: d.channel, reason: d.reason };
}

const emptyResult = (): DispatchResult => ({
  claimed: 0,
  stateDelta: {},
  sentByTier: {},
  sentByChannel: {},
  sentByZone: {},
  deferredByReason: {},
  skippedByReason: {},
  nextDueAt: null,
  wakeInMs: null,
  remaining: 0,
});

function tally(result: DispatchResult, claimed: readonly ClaimedRecipient[], outcomes: Map<number, RecipientOutcome>): void {
  const inc = (m: Record<string, number>, k: string, n = 1) => (m[k] = (m[k] ?? 0) + n);
  for (const c of claimed) {
    const o = outcomes.get(c.contactId);
    if (!o) continue;
    if (c.previousState !== 'claimed') inc(result.stateDelta, c.previousState, -1);
    else inc(result.stateDelta, 'claimed', -1);
    inc(result.stateDelta, o.state);
    if (o.state === 'sent') {
      inc(result.sentByTier, c.tier);
      inc(result.sentByChannel, o.channel ?? 'none');
      inc(result.sentByZone, c.timeZone);
    } else if (o.state === 'deferred') inc(result.deferredByReason, o.reason);
    else if (o.state === 'skipped' || o.state === 'unknown') inc(result.skippedByReason, o.reason);
  }
}
