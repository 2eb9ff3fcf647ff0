/**
 * Message statuses into the send ledger: the one path for Twilio's status callbacks (the HTTP
 * server, server/twilio-webhooks.ts) and for the statuses the sweep fetches from the provider
 * (activities/ledger-sweep.ts). The plan of what each status does is services/status-plan.ts;
 * final outcomes are fed back to the contacts (services/feedback.ts).
 */
import type { PoolClient } from 'pg';
import { insertWebhookReceipts, lockLedgerRows, setWebhookResults, updateLedgerStatuses } from '../db/feedback';
import { lockAdoptedMessages, lockOrphans, lockUnknownProviderIds, upsertAdoptedMessages, upsertOrphans } from '../db/provider-messages';
import { inTransaction, withDeadlockRetry } from '../db/transaction';
import { feedBack, type FeedbackDeps } from './feedback';
import { ledgerIdOf, planCallbacks, type StatusCallback, type StatusCallbackResult } from './status-plan';

export type { StatusCallback, StatusCallbackResult } from './status-plan';

/** Thrown inside the transaction of a dry run to roll everything back, carrying its results. */
class DryRun {
  constructor(readonly results: StatusCallbackResult[]) {}
}

/**
 * Applies a batch of statuses in one transaction: ledger rows by provider id (or by the callback
 * URL's ledger id when the row has no provider id yet), a second message of a row adopted as a
 * duplicate send, a message nobody knows kept as an orphan; never moving a message backwards, the
 * final outcome fed back to the contact exactly once, and the replay guard. The rows are locked
 * first (ledger rows; then the provider ids they do not hold, adopted messages and orphans, each
 * in key order) and the outcome of every status is planned in memory; the receipts are then
 * inserted with their results in one statement, and should some turn out to be replays (a
 * concurrent or earlier request), the plan is made again without them. `dryRun`: the same work, rolled back; the results say what it would do.
 */
export async function applyStatusCallbacks(deps: FeedbackDeps, callbacks: readonly StatusCallback[], opts: { dryRun?: boolean } = {}): Promise<StatusCallbackResult[]> {
  if (callbacks.length === 0) return [];
  const at = await deps.now();
  try {
    return await withDeadlockRetry(() =>
      inTransaction(deps.pool, async (client) => {
        const results = await applyIn(client, deps, callbacks, at);
        if (opts.dryRun) throw new DryRun(results);
        return results;
      }),
    );
  } catch (err) {
    if (err instanceof DryRun) return err.results;
    throw err;
  }
}

async function applyIn(client: PoolClient, deps: FeedbackDeps, callbacks: readonly StatusCallback[], at: Date): Promise<StatusCallbackResult[]> {
  // The same key twice in one batch: the first one counts, the others are replays.
  const firstOfKey = new Map<string, number>();
  callbacks.forEach((c, i) => {
    if (!firstOfKey.has(c.replayKey)) firstOfKey.set(c.replayKey, i);
  });
  const candidates = [...firstOfKey.values()];
  const sids = [...new Set(candidates.map((i) => callbacks[i]!.messageSid))];
  const ledger = await lockLedgerRows(client, {
    providerIds: sids,
    ids: [...new Set(candidates.flatMap((i) => ledgerIdOf(callbacks[i]!.ledgerId) ?? []))],
  });
  const known = new Set(ledger.flatMap((r) => r.providerId ?? []));
  const unknown = sids.filter((s) => !known.has(s)).sort();
  await lockUnknownProviderIds(client, unknown);
  const adopted = await lockAdoptedMessages(client, unknown);
  const orphans = await lockOrphans(client, unknown.filter((s) => !adopted.some((a) => a.providerId === s)));
  const locked = { ledger, adopted, orphans };
  let plan = planCallbacks(callbacks, candidates, locked, at);
  const fresh = await insertWebhookReceipts(
    client,
    plan.receipts.map((r) => {
      const c = callbacks[r.index]!;
      return { key: c.replayKey, kind: 'status' as const, messageSid: c.messageSid, status: c.status, errorCode: c.errorCode, result: r.result, ledgerId: r.ledgerId, contactId: r.contactId };
    }),
  );
  if (fresh.size < candidates.length) {
    const before = new Map(plan.receipts.map((r) => [r.index, r.result]));
    plan = planCallbacks(callbacks, candidates.filter((i) => fresh.has(callbacks[i]!.replayKey)), locked, at);
    await setWebhookResults(
      client,
      plan.receipts.filter((r) => before.get(r.index) !== r.result).map((r) => ({ key: callbacks[r.index]!.replayKey, result: r.result, ledgerId: r.ledgerId, contactId: r.contactId })),
    );
  }
  for (const a of plan.adoptedNow)
    deps.log(`duplicate send: ledger row ${a.message.ledgerId} (contact ${a.contactId}) went out as ${a.mainProviderId} and again as ${a.message.providerId}; the second message is adopted and counted`);
  for (const o of plan.orphans) if (o.callbacks === 1) deps.log(`status callback for unknown message ${o.providerId} (${o.status}${o.namedLedger ? `, ledger ${o.namedLedger} does not exist` : ''}): kept as an orphan`);
  await updateLedgerStatuses(client, plan.dirty, at);
  await upsertAdoptedMessages(client, plan.adopted, at);
  await upsertOrphans(client, plan.orphans, at);
  await feedBack(client, deps, plan.outcomes, at);
  const results: StatusCallbackResult[] = callbacks.map(() => 'replayed');
  for (const r of plan.receipts) results[r.index] = r.result;
  return results;
}
