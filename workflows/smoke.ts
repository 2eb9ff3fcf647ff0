import { condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { smokeProgress, smokeRelease, type SmokeInput, type SmokeProgress, type SmokeResult } from './messages/smoke';

const { recordSmokeStep } = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds' });

/** Writes a row, waits (a durable timer, or until released), writes a second row. */
export async function smokeWorkflow(input: SmokeInput): Promise<SmokeResult> {
  const progress: SmokeProgress = { step: 'starting', releasedEarly: false };
  let released = false;
  setHandler(smokeRelease, () => {
    released = true;
  });
  setHandler(smokeProgress, () => progress);

  const { workflowId } = workflowInfo();
  const first = await recordSmokeStep({ workflowId, label: input.label, step: 'started' });
  progress.step = 'waiting';
  progress.releasedEarly = await condition(() => released, `${input.waitSeconds} seconds`);
  const second = await recordSmokeStep({ workflowId, label: input.label, step: 'finished' });
  progress.step = 'finished';
  return { label: input.label, rowIds: [first, second], releasedEarly: progress.releasedEarly };
}
