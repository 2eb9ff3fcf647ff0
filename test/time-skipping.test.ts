import { defaultActivityDeps } from '../activities';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { smokeWorkflowId } from '../workflows/ids';
import { smokeProgress } from '../workflows/messages/smoke';
import { isolatedDatabase, startTestWorker, uniqueName, type TestDatabase } from './helpers/harness';
import { timeSkippingEnv } from './helpers/time-skipping';

// Waits of hours and days run on the time-skipping server: nothing here sleeps in real time.
let env: TestWorkflowEnvironment;
let db: TestDatabase;
beforeAll(async () => {
  [env, db] = await Promise.all([timeSkippingEnv(), isolatedDatabase()]);
});
afterAll(async () => {
  await env?.teardown();
  await db?.drop();
});

describe('durable timers on the time-skipping server', () => {
  it('a workflow that waits three days completes, and the server clock moved three days', async () => {
    const worker = await startTestWorker(defaultActivityDeps(db.pool), { connection: env.nativeConnection });
    try {
      const label = uniqueName('days');
      const before = await env.currentTimeMs();
      const result = await env.client.workflow.execute('smokeWorkflow', {
        taskQueue: worker.taskQueue,
        workflowId: smokeWorkflowId(label),
        args: [{ label, waitSeconds: 3 * 24 * 3600 }],
      });
      expect(result.releasedEarly).toBe(false);
      expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(3 * 24 * 3600 * 1000);
      const { rows } = await db.pool.query('SELECT step FROM smoke_runs WHERE workflow_id = $1 ORDER BY id', [smokeWorkflowId(label)]);
      expect(rows.map((r) => r.step)).toEqual(['started', 'finished']);
    } finally {
      await worker.stop();
    }
  });

  it('while waiting, the workflow is queryable and has not finished', async () => {
    const worker = await startTestWorker(defaultActivityDeps(db.pool), { connection: env.nativeConnection });
    try {
      const label = uniqueName('q');
      const handle = await env.client.workflow.start('smokeWorkflow', {
        taskQueue: worker.taskQueue,
        workflowId: smokeWorkflowId(label),
        args: [{ label, waitSeconds: 7 * 24 * 3600 }],
      });
      await expect.poll(() => handle.query(smokeProgress).then((p) => p.step), { timeout: 15_000 }).toBe('waiting');
      await env.sleep('2 days');
      expect((await handle.query(smokeProgress)).step).toBe('waiting');
      await handle.result();
      expect((await handle.query(smokeProgress)).step).toBe('finished');
    } finally {
      await worker.stop();
    }
  });
});
