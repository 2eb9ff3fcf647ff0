import { Worker } from '@temporalio/worker';
import { inject } from 'vitest';

export interface ReplayOutcome {
  workflowId: string;
  error: string | undefined;
}

/** Replays histories against the run's workflow bundle (Worker.runReplayHistories). */
export async function replayHistories(histories: Array<{ workflowId: string; history: unknown }>): Promise<ReplayOutcome[]> {
  const out: ReplayOutcome[] = [];
  const iterable = histories.map((h) => ({ workflowId: h.workflowId, history: h.history as never }));
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundlePath') } }, iterable)) {
    out.push({ workflowId: result.workflowId, error: result.error ? String(result.error.message ?? result.error) : undefined });
  }
  return out;
}
