import { condition, continueAsNew, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { approveCampaign, campaignStatus, cancelCampaign, pauseCampaign, resumeCampaign, type CampaignInput, type CampaignState, type CampaignStatus } from './messages/campaign';
import type { CampaignPlan } from '../activities/campaign';
import type { DispatchResult } from '../activities/dispatch';

const { loadCampaignPlan, setCampaignState, planCampaign, releaseStaleClaims, cancelCampaignRecipients } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});
const { dispatchCampaignBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  // A batch heartbeats on every send: a dead worker's batch is retried elsewhere within seconds.
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  // Batches go through the task queue to every worker process: eager dispatch would hand them
  // all to the process that runs this workflow, leaving the others idle.
  allowEagerDispatch: false,
});

const DEFAULT_LANES = 4;
const DEFAULT_BATCH = 1_000;
/** Past this many history events the workflow continues as new between batches. */
const HISTORY_LIMIT = 5_000;

/**
 * CampaignWorkflow: approval gate -> wait for the start -> plan the audience into Postgres ->
 * work through due recipients batch by batch (each recipient decided at send time in its own
 * local window, caps reserved atomically, sent exactly once) -> sleep until the next deferred
 * recipient is due -> ... Pause, resume and cancel act between batches. Only ids, cursors and
 * counts live in history; it continues as new long before history grows large.
 */
export async function campaignWorkflow(input: CampaignInput): Promise<CampaignStatus> {
  const { campaignId } = input;
  const plan = await loadCampaignPlan({ campaignId, ...(input.startAt ? { startAt: input.startAt } : {}) });
  const state: CampaignState = input.state ?? initialState();
  const status = (): CampaignStatus => ({ ...state, campaignId, name: plan.name, category: plan.category });
  setHandler(campaignStatus, status);
  setHandler(approveCampaign, ({ by }) => {
    if (!state.approvedBy) state.approvedBy = by;
  });
  setHandler(pauseCampaign, () => {
    state.paused = true;
  });
  setHandler(resumeCampaign, () => {
    state.paused = false;
  });
  setHandler(cancelCampaign, ({ reason }) => {
    state.cancelReason ??= reason;
  });
  const cancelled = () => state.cancelReason !== null;
  const enter = async (phase: CampaignState['phase'], dbStatus: string, extra: { approvedBy?: string; cancelReason?: string } = {}) => {
    if (state.phase === phase) return;
    state.phase = phase;
    await setCampaignState({ campaignId, status: dbStatus, ...extra });
  };

  if (plan.requireApproval && !state.approvedBy) {
    await enter('awaiting_approval', 'awaiting_approval');
    await condition(() => state.approvedBy !== null || cancelled());
    if (state.approvedBy) await setCampaignState({ campaignId, status: 'launched', approvedBy: state.approvedBy });
  }
  if (!cancelled() && state.planned === null && plan.startInMs > 0) {
    await enter('scheduled', 'scheduled');
    await condition(cancelled, plan.startInMs);
  }
  if (!cancelled() && state.planned === null) {
    await enter('planning', 'running');
    state.planned = (await planCampaign({ campaignId })).planned;
    state.byState.pending = state.planned;
  }
  await releaseStaleClaims({ campaignId, keepPrefix: `${workflowInfo().runId}:` });

  let remaining = state.planned ?? 0;
  while (!cancelled() && remaining > 0) {
    if (state.paused) {
      await enter('paused', 'paused');
      await condition(() => !state.paused || cancelled());
      continue;
    }
    if (state.nextWakeAt !== null && state.wakeInMs !== null && state.wakeInMs > 0) {
      await enter('waiting', 'running');
      const wake = state.wakeInMs;
      state.wakeInMs = 0;
      await condition(() => state.paused || cancelled(), wake);
      continue;
    }
    await enter('running', 'running');
    const last = await runLanes(input, plan.rate, state, () => state.paused || cancelled());
    remaining = last.remaining;
    state.nextWakeAt = last.nextDueAt;
    state.wakeInMs = last.wakeInMs;
    if (workflowInfo().historyLength > HISTORY_LIMIT || workflowInfo().continueAsNewSuggested)
      await continueAsNew<typeof campaignWorkflow>({ ...input, state });
  }

  if (cancelled()) {
    await cancelCampaignRecipients({ campaignId, reason: state.cancelReason! });
    await enter('cancelled', 'cancelled', { cancelReason: state.cancelReason! });
  } else {
    state.nextWakeAt = null;
    await enter('completed', 'completed');
  }
  // Let a status query right after the end see the final state.
  await sleep(1);
  return status();
}

/** Several batches in flight until nothing is due now (or the operator pauses/cancels). */
async function runLanes(input: CampaignInput, rate: CampaignPlan['rate'], state: CampaignState, stop: () => boolean): Promise<DispatchResult> {
  const lanes = input.lanes ?? DEFAULT_LANES;
  const perLane = (r: number | null) => (r === null ? null : r / lanes);
  let last: DispatchResult | undefined;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (!stop()) {
        const r = await dispatchCampaignBatch({
          campaignId: input.campaignId,
          claimKey: `${workflowInfo().runId}:${state.batches++}`,
          limit: input.batchSize ?? DEFAULT_BATCH,
          rate: { sms: perLane(rate.sms), email: perLane(rate.email) },
        });
        merge(state, r);
        last = r;
        if (r.claimed === 0 || workflowInfo().historyLength > HISTORY_LIMIT) break;
      }
    }),
  );
  // Paused or cancelled before any batch ran: nothing changed.
  return last ?? { claimed: 0, stateDelta: {}, sentByTier: {}, sentByChannel: {}, sentByZone: {}, deferredByReason: {}, skippedByReason: {}, nextDueAt: state.nextWakeAt, wakeInMs: 0, remaining: Math.max(1, state.planned ?? 1) };
}

function merge(state: CampaignState, r: DispatchResult): void {
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
  };
  add(state.byState, r.stateDelta);
  add(state.sentByTier, r.sentByTier);
  add(state.sentByChannel, r.sentByChannel);
  add(state.sentByZone, r.sentByZone);
  // Deferred counts are "deferred now, for this reason": recompute as deltas of this batch.
  add(state.deferredByReason, r.deferredByReason);
  add(state.skippedByReason, r.skippedByReason);
}

function initialState(): CampaignState {
  return {
    phase: 'planning',
    planned: null,
    approvedBy: null,
    paused: false,
    cancelReason: null,
    batches: 0,
    byState: {},
    sentByTier: {},
    sentByChannel: {},
    sentByZone: {},
    deferredByReason: {},
    skippedByReason: {},
    nextWakeAt: null,
    wakeInMs: null,
  };
}
