import { ApplicationFailure, Context } from '@temporalio/activity';
import { parseCampaign, type CampaignDefinition } from '../core/campaign/definition';
import { applyCap, capsFor, decide, rulesOf, TimingCache, type Decision, type DecisionRules, type RecipientSnapshot } from '../core/campaign/decision';
import type { NamedCapRule } from '../core/frequency';
import { maskPhone } from '../core/mask';
import type { EmailSender } from '../channels/email';
import type { SmsSender } from '../channels/sms';
import { journeyGate, journeyOf, nextStepDueAt, type JourneyStep } from '../core/campaign/journey';
import {
  advanceJourney,
  cancelRemaining,
  claimRecipients,
  finishRecipients,
  getCampaign,
  nextDueAt,
  planRecipients,
  releaseClaims,
  setCampaignStatus,
  type RecipientOutcome,
} from '../db/campaigns';
import { copyInto, type CopyValue } from '../db/copy';
import { adoptStaleSending, ledgerRowsOf, markSending, recordResults, reserveSends, returnUnsent, type LedgerResult, type LedgerRow } from '../db/ledger';
import type { Pool } from '../db/pool';
import { engagementSince } from '../db/journeys';
import { loadRecipients, type RecipientRecord } from '../db/recipients';
import type { ScorePolicy } from '../core/score-policy';
import { applySendRefusals } from './feedback';
import { createLinkCoder, type LinkCoder } from '../channels/tracked-link';
import { insertLinks, type LinkRecord } from '../db/links';
import { buildEmail, buildSms, snapshotOf, type BuiltEmail, type BuiltSms, type LinkContext } from './messages';
import { createPacer } from './pacing';
import { beginSendAttempt, sendWhileLeased } from './send-attempt';

/** loadCampaignPlan: what the campaign workflow needs of its definition. */
export interface CampaignPlan {
  name: string;
  category: 'marketing' | 'transactional';
  requireApproval: boolean;
  startAt: number | null;
  /** Until startAt, by the activities' clock; 0 when it has passed or there is none. */
  startInMs: number;
  deadline: number | null;
  /** Messages per second per channel for the whole campaign; null = unlimited. */
  rate: { sms: number | null; email: number | null };
}

export interface DispatchInput {
  campaignId: number;
  /** Deterministic per batch: a retried activity resumes the rows it claimed. */
  claimKey: string;
  limit: number;
  /** This lane's share of the campaign's rate. */
  rate: { sms: number | null; email: number | null };
}

export interface DispatchResult {
  claimed: number;
  /** Recipients per state: what this batch moved out of (negative) and into (positive). */
  stateDelta: Record<string, number>;
  sentByTier: Record<string, number>;
  sentByChannel: Record<string, number>;
  sentByZone: Record<string, number>;
  deferredByReason: Record<string, number>;
  skippedByReason: Record<string, number>;
  /** Earliest next_at of recipients still to handle; null when none are left. */
  nextDueAt: number | null;
  /** How long until then, by the activities' clock (workflows read no clock). */
  wakeInMs: number | null;
  remaining: number;
}

export interface CampaignDeps {
  pool: Pool;
  sms: SmsSender;
  email: EmailSender;
  publicBaseUrl: string;
  signingSecret: string;
  log: (message: string) => void;
  /** The clock every decision, cap and ledger row uses (tests give the test server's). */
  now: () => Date | Promise<Date>;
  /** Re-scores contacts whose send the provider refused (activities/feedback.ts). */
  policy: ScorePolicy;
  /** The lease of each batch's attempt (activities/send-attempt.ts). */
  sendLeaseMs: number;
}

/** Provider calls in flight per batch (the campaign benchmark's floor uses lanes x this). */
export const SEND_CONCURRENCY = 32;
const HEARTBEAT_EVERY_MS = 1_000;

export const createCampaignActivities = (deps: CampaignDeps) => {
  type Step = JourneyStep & { rules: DecisionRules };
  const definitions = new Map<number, { def: CampaignDefinition; steps: Map<string, Step>; first: Step }>();
  const load = async (campaignId: number) => {
    let hit = definitions.get(campaignId);
    if (!hit) {
      const row = await getCampaign(deps.pool, campaignId);
      if (!row) throw new Error(`campaign ${campaignId} does not exist`);
      const def = parseCampaign(row.definition);
      // Every step decides with its own definition (core/campaign/journey.ts); one step, 'main', without steps.
      const steps = journeyOf(def).map((s) => ({ ...s, rules: rulesOf(s.def) }));
      hit = { def, steps: new Map(steps.map((s) => [s.id, s])), first: steps[0]! };
      definitions.set(campaignId, hit);
    }
    return hit;
  };
  // Tracked links (definition links.track): codes under the signing secret, made when first needed.
  let coder: LinkCoder | undefined;
  const linkingFor = (campaignId: number): LinkContext => ({
    campaignId,
    publicBaseUrl: deps.publicBaseUrl,
    codeOf: (k) => (coder ??= createLinkCoder(deps.signingSecret))(k),
  });

  return {
    async loadCampaignPlan(input: { campaignId: number; startAt?: string }): Promise<CampaignPlan> {
      const { def } = await load(input.campaignId);
      const now = (await deps.now()).getTime();
      const startAt = input.startAt ? Date.parse(input.startAt) : def.startAt ? Date.parse(def.startAt) : null;
      return {
        name: def.name,
        category: def.category,
        requireApproval: def.requireApproval,
        startAt,
        startInMs: startAt === null ? 0 : Math.max(0, startAt - now),
        deadline: def.deadline ? Date.parse(def.deadline) : null,
        rate: { sms: def.rateLimit.sms ?? null, email: def.rateLimit.email ?? null },
      };
    },

    async setCampaignState(input: { campaignId: number; status: string; approvedBy?: string; cancelReason?: string }): Promise<void> {
      await setCampaignStatus(deps.pool, input.campaignId, input.status, {
        ...(input.approvedBy ? { approvedBy: input.approvedBy } : {}),
        ...(input.cancelReason ? { cancelReason: input.cancelReason } : {}),
      });
    },

    async planCampaign(input: { campaignId: number }): Promise<{ planned: number }> {
      const { def, first } = await load(input.campaignId);
      return { planned: await planRecipients(deps.pool, input.campaignId, def, await deps.now(), first.id) };
    },

    async releaseStaleClaims(input: { campaignId: number; keepPrefix: string }): Promise<number> {
      return releaseClaims(deps.pool, input.campaignId, input.keepPrefix);
    },

    async cancelCampaignRecipients(input: { campaignId: number; reason: string }): Promise<number> {
      return cancelRemaining(deps.pool, input.campaignId, input.reason);
    },

    /**
     * One batch: claim due recipients, settle earlier attempts from the ledger, decide for the
     * rest at send time, reserve caps atomically, send (paced), and record every decision.
     * Retried with the same claim key, it resumes its own rows and never sends twice.
     */
    async dispatchCampaignBatch(input: DispatchInput): Promise<DispatchResult> {
      const journey = await load(input.campaignId);
      const at = await deps.now();
      const result = emptyResult();
      const claimed = await claimRecipients(deps.pool, input.campaignId, input.claimKey, at, input.limit);
      result.claimed = claimed.length;
      if (claimed.length) {
        // A batch works on one step: its definition, rules and ledger key.
        const step = journey.steps.get(claimed[0]!.step);
        if (!step) throw ApplicationFailure.nonRetryable(`campaign ${input.campaignId} has no step ${claimed[0]!.step}`, 'UnknownStep');
        const { def, rules } = step;
        const stepId = step.id;
        // Fencing: this attempt waits for any earlier one that may still be calling the provider
        // for these recipients, then holds a lease while it works (activities/send-attempt.ts).
        const attempt = await beginSendAttempt(
          deps.pool,
          { scope: `campaign:${input.campaignId}:${input.claimKey}`, ledger: { campaignId: input.campaignId, step: stepId, contactIds: claimed.map((c) => c.contactId) } },
          { leaseMs: deps.sendLeaseMs, log: deps.log },
        );
        let incomplete: string | null = null;
        try {
          const records = await loadRecipients(deps.pool, claimed.map((c) => c.contactId), 'marketing');
          const outcomes = new Map<number, RecipientOutcome>();
          const decisions: CopyValue[][] = [];
          const note = (contactId: number, d: Decision | { kind: 'SEND' | 'SKIP'; reason: string; channel?: string }, outcome: RecipientOutcome) => {
            outcomes.set(contactId, outcome);
            const until = d.kind === 'DEFER' ? new Date(d.until) : null;
            const rule = d.kind === 'SEND' ? null : ('rule' in d && d.rule) || d.reason;
            decisions.push([input.campaignId, contactId, at, d.kind, d.reason, until, 'channel' in d ? (d.channel ?? null) : null, 'detail' in d ? (d.detail ?? null) : null, rule, stepId]);
          };

          // 1. Earlier attempts of this step (a retried batch, a crashed worker) are settled first.
          const prior = await ledgerRowsOf(deps.pool, input.campaignId, stepId, claimed.map((c) => c.contactId));
          const stale = await adoptStaleSending(deps.pool, [...prior.values()].filter((r) => r.state === 'sending').map((r) => r.id), attempt.id);
          const toDecide: number[] = [];
          const reconciled: LedgerResult[] = [];
          const resend = new Set<number>();
          for (const c of claimed) {
            const row = prior.get(c.contactId);
            if (!row || row.state === 'reserved' || row.state === 'released') toDecide.push(c.contactId);
            else if (row.state === 'sending' && !stale.has(row.id)) {
              // Another attempt still owns it (and may be calling the provider): left for the retry.
              incomplete = 'row owned by a live attempt';
            } else if (row.state === 'sending') {
              const r = await reconcile(row, records.get(c.contactId), def, deps.sms, linkingFor(input.campaignId));
              if (r.kind === 'found') {
                reconciled.push({ id: row.id, state: 'sent', providerId: r.providerId });
                note(c.contactId, { kind: 'SEND', reason: 'reconciled', channel: row.channel }, { contactId: c.contactId, state: 'sent', nextAt: null, channel: row.channel, reason: 'reconciled' });
              } else if (r.kind === 'unknown' && def.category === 'marketing') {
                // Nobody can tell whether it went out: for marketing, better not sent than sent twice.
                reconciled.push({ id: row.id, state: 'unknown' });
                note(c.contactId, { kind: 'SKIP', reason: 'unknown_outcome', channel: row.channel }, { contactId: c.contactId, state: 'unknown', nextAt: null, channel: row.channel, reason: 'unknown_outcome' });
              } else {
                // The provider's list shows it never arrived (or it is transactional): decide and send again.
                resend.add(c.contactId);
                toDecide.push(c.contactId);
              }
            } else {
              const state = row.state === 'unknown' ? 'unknown' : row.state === 'failed' ? 'failed' : 'sent';
              note(c.contactId, { kind: 'SEND', reason: 'already_sent', channel: row.channel }, { contactId: c.contactId, state, nextAt: null, channel: row.channel, reason: 'already_sent' });
            }
          }
          await recordResults(deps.pool, reconciled, at);

          // 2. Decide at send time; window computations and caps shared by recipients alike.
          const timings = new TimingCache(rules);
          const capSets = new Map<string, NamedCapRule[]>();
          const capsOf = (snap: RecipientSnapshot): NamedCapRule[] => {
            const key = `${snap.tier}|${snap.country}|${snap.subdivision}`;
            let caps = capSets.get(key);
            if (!caps) capSets.set(key, (caps = capsFor(rules, snap)));
            return caps;
          };
          const sends: Array<{ contactId: number; channel: 'sms' | 'email'; caps: readonly NamedCapRule[] }> = [];
          const release: LedgerResult[] = [];
          // A later step of a journey: exits (an order, an opt-out) and engagement since the previous send.
          const deciding = new Set(toDecide);
          const since = claimed.filter((c) => c.stepSince !== null && deciding.has(c.contactId)).map((c) => ({ contactId: c.contactId, since: c.stepSince! }));
          const engagement = await engagementSince(deps.pool, since);
          for (const id of toDecide) {
            const record = records.get(id);
            if (!record) {
              note(id, { kind: 'SKIP', reason: 'contact_missing' }, { contactId: id, state: 'skipped', nextAt: null, channel: null, reason: 'contact_missing' });
              continue;
            }
            const facts = engagement.get(id);
            const gate = facts ? journeyGate(step, journey.def.exitOn, facts) : null;
            const snap = snapshotOf(record);
            const d = gate ?? decide(snap, rules, at.getTime(), timings);
            if (d.kind === 'SEND') sends.push({ contactId: id, channel: d.channel, caps: capsOf(snap) });
            else {
              const row = prior.get(id);
              if (row?.state === 'reserved') release.push({ id: row.id, state: 'released' });
              note(id, d, outcomeOf(id, d));
            }
          }
          await recordResults(deps.pool, release, at);

          // 3. Caps and ledger rows, atomically for the whole batch.
          const reservation = await reserveSends(deps.pool, { campaignId: input.campaignId, step: stepId, category: def.category, at }, sends);
          const toSend: Array<{ row: LedgerRow; record: RecipientRecord }> = [];
          for (const s of sends) {
            const held = reservation.capped.get(s.contactId);
            if (held !== undefined) {
              const d = applyCap({ kind: 'SEND', channel: s.channel, reason: 'ok' }, { ok: false, ...held }, rules);
              note(s.contactId, d, outcomeOf(s.contactId, d));
            } else {
              const row = reservation.rows.get(s.contactId)!;
              if (row.state === 'reserved' || resend.has(s.contactId)) toSend.push({ row, record: records.get(s.contactId)! });
              else note(s.contactId, { kind: 'SEND', reason: 'already_sent', channel: row.channel }, { contactId: s.contactId, state: 'sent', nextAt: null, channel: row.channel, reason: 'already_sent' });
            }
          }

          // 4. Send: the messages are built first, so that their tracked links are stored (one
          // statement for the batch) and the ledger says 'sending' before any provider call.
          const linking = linkingFor(input.campaignId);
          const built = new Map<string, BuiltSms | BuiltEmail>();
          const links: LinkRecord[] = [];
          for (const { row, record } of toSend) {
            const message =
              row.channel === 'sms'
                ? buildSms(def, record, linking)
                : buildEmail(def, record, row.id, { publicBaseUrl: deps.publicBaseUrl, signingSecret: deps.signingSecret, campaignId: input.campaignId, now: at }, linking);
            built.set(row.id, message);
            for (const l of message.links) links.push({ ...l, campaignId: input.campaignId, contactId: record.contactId, ledgerId: row.id });
          }
          await insertLinks(deps.pool, links, at);
          const owned = await markSending(deps.pool, toSend.map((t) => t.row.id), at, attempt.id);
          if (owned.size < toSend.length) incomplete = 'rows taken by another attempt';
          const pacers = { sms: createPacer(input.rate.sms), email: createPacer(input.rate.email) };
          const timeouts = { sms: deps.sms.callTimeoutMs, email: deps.email.callTimeoutMs };
          const results: LedgerResult[] = [];
          let done = 0;
          let beatAt = 0;
          const run = await sendWhileLeased(toSend.filter((t) => owned.has(t.row.id)), {
            concurrency: SEND_CONCURRENCY,
            attempt,
            timeoutOf: ({ row }) => timeouts[row.channel],
            pace: ({ row }) => pacers[row.channel].take(),
            send: async ({ row, record }) => {
              const r = await sendOne(deps, row, record, input.campaignId, built.get(row.id)!);
              results.push(r);
              const sent = r.state === 'sent';
              note(record.contactId, { kind: 'SEND', reason: sent ? 'ok' : (r.errorCode ?? 'failed'), channel: row.channel }, { contactId: record.contactId, state: sent ? 'sent' : 'failed', nextAt: null, channel: row.channel, reason: sent ? 'sent' : `failed:${r.errorCode}` });
              done++;
              // The SDK throttles what it sends to the server, but each call still costs a payload
              // encoding and a native call: once a second is ample for a 15 s heartbeat timeout.
              const now = Date.now();
              if (now - beatAt >= HEARTBEAT_EVERY_MS) {
                beatAt = now;
                Context.current().heartbeat({ sent: done });
              }
            },
          });
          await recordResults(deps.pool, results, at);
          // Never offered to the provider: back to 'reserved' for the retry, which resumes this claim.
          await returnUnsent(deps.pool, run.unsent.map((t) => t.row.id), attempt.id);
          if (run.error !== null) incomplete = `provider call failed: ${(run.error as Error).message ?? String(run.error)}`;
          else if (run.stoppedBy) incomplete = `attempt stopped (${run.stoppedBy}) with ${run.unsent.length} messages not sent`;
          // Refusals at send time (21610 opted out, 21211 invalid number, SMTP 550) feed back into the contact.
          await applySendRefusals(deps, results.filter((r) => r.state === 'failed').map((r) => r.id));

          // 5. The audit trail and the recipients' new states.
          await copyInto(deps.pool, 'campaign_decisions', ['campaign_id', 'contact_id', 'at', 'decision', 'reason', 'until', 'channel', 'detail', 'rule', 'step'], decisions);
          // The next step of a journey, for those this step was sent to, before these rows are
          // finished: a retried batch finds them still claimed and adds nothing twice.
          const next = step.next === null ? undefined : journey.steps.get(step.next)!;
          if (next) {
            const reached = [...outcomes.values()].filter((o) => o.state === 'sent').map((o) => o.contactId);
            const added = await advanceJourney(deps.pool, input.campaignId, stepId, next.id, reached, at, nextStepDueAt(next, at));
            if (added) result.stateDelta.pending = (result.stateDelta.pending ?? 0) + added;
          }
          await finishRecipients(deps.pool, input.campaignId, [...outcomes.values()], stepId);
          tally(result, claimed, outcomes);
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
    },
  };
};

function outcomeOf(contactId: number, d: Decision): RecipientOutcome {
  if (d.kind === 'DEFER') return { contactId, state: 'deferred', nextAt: new Date(d.until), channel: d.channel, reason: d.reason };
  if (d.kind === 'SKIP') return { contactId, state: 'skipped', nextAt: null, channel: null, reason: d.reason };
  return { contactId, state: 'sent', nextAt: null, channel: d.channel, reason: d.reason };
}

type Reconciliation = { kind: 'found'; providerId: string } | { kind: 'not_sent' } | { kind: 'unknown' };

/**
 * An attempt whose outcome was lost (the worker died, the response never came): did the
 * provider get it? For SMS the provider's own list of messages to the number since the attempt
 * answers, matched by the exact text this step sends: found, or definitely not sent. E-mail
 * has no such list: the outcome stays unknown.
 */
async function reconcile(row: LedgerRow, record: RecipientRecord | undefined, def: CampaignDefinition, sms: SmsSender, linking: LinkContext): Promise<Reconciliation> {
  if (row.providerId) return { kind: 'found', providerId: row.providerId };
  if (row.channel !== 'sms' || !record || !row.attemptStartedAt) return { kind: 'unknown' };
  const body = buildSms(def, record, linking).text;
  const listed = await sms.findSentSince(record.e164, row.attemptStartedAt);
  const match = listed.find((m) => m.body === body);
  return match ? { kind: 'found', providerId: match.providerId } : { kind: 'not_sent' };
}

async function sendOne(deps: CampaignDeps, row: LedgerRow, record: RecipientRecord, campaignId: number, message: BuiltSms | BuiltEmail): Promise<LedgerResult> {
  if (row.channel === 'sms') {
    const composed = message as BuiltSms;
    const r = await deps.sms.send({
      to: record.e164,
      body: composed.text,
      // The base URL: the sender adds this attempt's ledger id (channels/sms.ts).
      statusCallbackUrl: `${deps.publicBaseUrl}/webhooks/twilio/status`,
      ledgerId: row.id,
    });
    deps.log(`sms ${r.ok ? 'sent' : `refused ${r.code}`} to ${maskPhone(record.e164)} (campaign ${campaignId}, ledger ${row.id})`);
    return r.ok
      ? { id: row.id, state: 'sent', providerId: r.providerId, providerStatus: r.status, segments: composed.analysis.segments, encoding: composed.analysis.encoding }
      : { id: row.id, state: 'failed', errorCode: String(r.code), errorMessage: r.message, segments: composed.analysis.segments, encoding: composed.analysis.encoding };
  }
  const { links: _links, ...email } = message as BuiltEmail;
  const r = await deps.email.send(email);
  return r.ok ? { id: row.id, state: 'sent', providerId: r.messageId } : { id: row.id, state: 'failed', errorCode: String(r.code), errorMessage: r.message };
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

function tally(result: DispatchResult, claimed: Array<{ contactId: number; tier: string; timeZone: string; previousState: string }>, outcomes: Map<number, RecipientOutcome>): void {
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
