import { Context } from '@temporalio/activity';
import { lineTypeOf, statusOf, type NumberLookup } from '../channels/number-lookup';
import { decideRecheck, type RecheckDecision } from '../core/recheck';
import { REGULAR_RECHECK_DAYS } from '../core/number-status';
import type { ScorePolicy } from '../core/score-policy';
import { copyRows, type CopyValue } from '../db/copy';
import { forgetBatches, recordBatch, recordedBatch } from '../db/events';
import type { Pool } from '../db/pool';
import { lockContactsById } from '../db/rescore';
import { contactNumbersAfter, phoneHash } from '../db/contacts';
import { openRecoveryCandidates } from '../db/feedback';
import { inTransaction } from '../db/transaction';
import type { RecheckBatchResult } from '../workflows/shared';
import { rescoreContacts, type ContactChange } from './rescore';

export interface RecheckDeps {
  pool: Pool;
  lookup: NumberLookup;
  policy: ScorePolicy;
  now: () => Date | Promise<Date>;
}

const TIER_RANK: Record<string, number> = { A: 4, B: 3, C: 2, D: 1 };
const HOUR_MS = 3_600_000;

export const createRecheckActivities = (deps: RecheckDeps) => ({
  /**
   * Looks up the next `limit` contacts after `afterId` (all, or those whose recheck is due), then
   * applies the answers in one transaction: status, validity, SMS eligibility, cheaper-channel
   * flag, the next recheck time, the re-score and re-tier (cause `recheck`), and a number_checks
   * row per change. The lookup runs outside the transaction (no row locks held over a network
   * call). Retry-safe: a committed batch returns its recorded result.
   */
  async recheckBatch(input: { jobId: string; pass: number; afterId: number; limit: number; dueOnly: boolean }): Promise<RecheckBatchResult> {
    const batchKey = `${input.pass}:${input.afterId}`;
    const done = await recordedBatch<RecheckBatchResult>(deps.pool, input.jobId, batchKey);
    if (done) return done;
    const now = await deps.now();
    const rows = await contactNumbersAfter(deps.pool, input.afterId, input.limit, input.dueOnly ? now : null);
    const result: RecheckBatchResult = { lastId: null, checked: 0, byOutcome: {}, byTransition: {}, tierChanges: 0, upgraded: 0, downgraded: 0 };
    if (rows.length === 0) return result;
    const answers = await deps.lookup.lookup(rows.map((r) => r.e164));
    if (answers.length !== rows.length) throw new Error(`lookup ${deps.lookup.name} answered ${answers.length} numbers of ${rows.length}`);
    const answerOf = new Map(rows.map((r, i) => [Number(r.id), answers[i]!]));
    Context.current().heartbeat();

    await inTransaction(deps.pool, async (client) => {
      const contacts = await lockContactsById(client, [...answerOf.keys()]);
      const decisions = new Map<number, RecheckDecision>();
      const changes: ContactChange[] = [];
      for (const contact of contacts.values()) {
        const answer = answerOf.get(contact.id)!;
        const d = decideRecheck({ ...contact, lineType: contact.draft.lineType }, statusOf(answer), lineTypeOf(answer), { carrierChecked: deps.lookup.checksCarrier });
        decisions.set(contact.id, d);
        changes.push({
          contact: d.lineTypeChanged ? { ...contact, draft: { ...contact.draft, lineType: d.lineTypeChanged.to } } : contact,
          numberStatus: d.status,
          ...(d.lineTypeChanged ? { smsEligible: false } : {}),
          recheck: { at: now.toISOString(), after: new Date(now.getTime() + d.recheckInHours * HOUR_MS).toISOString() },
          cause: 'recheck',
        });
        result.checked++;
        result.byOutcome[d.outcome] = (result.byOutcome[d.outcome] ?? 0) + 1;
        result.byTransition[d.transition] = (result.byTransition[d.transition] ?? 0) + 1;
      }
      const outcomes = await rescoreContacts(client, changes, deps.policy, now);
      for (const o of outcomes) {
        if (o.fromTier === o.toTier) continue;
        result.tierChanges++;
        if ((TIER_RANK[o.toTier] ?? 0) > (TIER_RANK[o.fromTier] ?? 0)) result.upgraded++;
        else result.downgraded++;
      }
      await copyRows(
        client,
        'number_checks',
        ['contact_id', 'at', 'lookup', 'answer', 'from_status', 'to_status', 'outcome'],
        [...contacts.values()].flatMap((c): CopyValue[][] => {
          const d = decisions.get(c.id)!;
          const a = answerOf.get(c.id)!;
          return d.outcome === 'unchanged' ? [] : [[c.id, now.toISOString(), deps.lookup.name, d.lineTypeChanged ? `${statusOf(a)} ${lineTypeOf(a)}` : statusOf(a), c.numberStatus, d.status, d.outcome]];
        }),
      );
      // Reassigned numbers: the new line type stored, the customer handed to the recovery funnel.
      const turned = [...contacts.values()].flatMap((c) => {
        const t = decisions.get(c.id)!.lineTypeChanged;
        return t ? [{ contact: c, ...t }] : [];
      });
      if (turned.length) {
        await client.query('UPDATE contacts c SET line_type = x.t FROM unnest($1::bigint[], $2::text[]) AS x(id, t) WHERE c.id = x.id', [turned.map((x) => x.contact.id), turned.map((x) => x.to)]);
        await openRecoveryCandidates(
          client,
          turned.map((x) => ({ contactId: x.contact.id, oldPhoneHash: phoneHash(x.contact.draft.e164), reason: 'line_type_changed', evidence: { lookup: deps.lookup.name, from: x.from, to: x.to } })),
          now,
        );
      }
      result.lastId = Number(rows[rows.length - 1]!.id);
      await recordBatch(client, input.jobId, batchKey, result);
    });
    return result;
  },

  /**
   * The earliest recheck due within the horizon (the short rechecks: switched off, out of
   * service, inconclusive; the regular cycle is months away), and how many are due by then.
   */
  async nextRecheckDue(input: { horizonHours: number }): Promise<{ dueInMs: number | null; at: string | null; count: number }> {
    const now = await deps.now();
    const horizon = new Date(now.getTime() + Math.min(input.horizonHours, REGULAR_RECHECK_DAYS * 24 - 1) * HOUR_MS);
    const { rows } = await deps.pool.query<{ first: Date | null; n: string }>(
      'SELECT min(recheck_after) AS first, count(*) AS n FROM contacts WHERE recheck_after <= $1',
      [horizon],
    );
    const first = rows[0]?.first ?? null;
    if (!first) return { dueInMs: null, at: null, count: 0 };
    return { dueInMs: Math.max(0, first.getTime() - now.getTime()), at: first.toISOString(), count: Number(rows[0]!.n) };
  },

  async finishRecheck(input: { jobId: string }): Promise<void> {
    await forgetBatches(deps.pool, input.jobId);
  },
});
