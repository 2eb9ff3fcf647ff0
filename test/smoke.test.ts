import { defaultActivityDeps } from '../activities';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { smokeProgress, smokeRelease } from '../workflows/messages/smoke';
import { smokeWorkflowId } from '../workflows/ids';
import { isolatedDatabase, runCli, startTestWorker, temporalClient, uniqueName, type TestDatabase, type TestWorker } from './helpers/harness';

// The foundation's promise: a real workflow runs through a real worker on a real Temporal
// server, its activities write to a real PostgreSQL, and the CLI reads the rows back.
let db: TestDatabase;
let worker: TestWorker;
let client: Client;

beforeAll(async () => {
  db = await isolatedDatabase();
  worker = await startTestWorker(defaultActivityDeps(db.pool));
  client = await temporalClient();
});
afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  await db?.drop();
});

describe('smoke flow', () => {
  it('runs through the CLI and prints the rows it read back from PostgreSQL', async () => {
    const label = uniqueName('cli');
    const res = await runCli(['smoke', '--label', label, '--wait', '0', '--json'], {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      DATABASE_URL: db.url,
      TEMPORAL_TASK_QUEUE: worker.taskQueue,
    });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report.workflowId).toBe(smokeWorkflowId(label));
    expect(report.rows.map((r: { step: string }) => r.step)).toEqual(['started', 'finished']);
    // The rows really are in the database, written by the activity under the workflow's id.
    const { rows } = await db.pool.query('SELECT label, step FROM smoke_runs WHERE workflow_id = $1 ORDER BY id', [smokeWorkflowId(label)]);
    expect(rows).toEqual([
      { label, step: 'started' },
      { label, step: 'finished' },
    ]);
  });

  it('answers the shared query and obeys the shared signal', async () => {
    const label = uniqueName('sig');
    const handle = await client.workflow.start('smokeWorkflow', {
      taskQueue: worker.taskQueue,
      workflowId: smokeWorkflowId(label),
      args: [{ label, waitSeconds: 3600 }],
    });
    await expect.poll(() => handle.query(smokeProgress).then((p) => p.step), { timeout: 15_000 }).toBe('waiting');
    await handle.signal(smokeRelease);
    const result = await handle.result();
    expect(result.releasedEarly).toBe(true);
    expect(result.rowIds).toHaveLength(2);
    if (process.env.RECORD_HISTORIES) {
      const history = await handle.fetchHistory();
      writeFileSync(path.join(__dirname, 'histories', 'smoke-released.json'), historyToJSON(history));
    }
  });
});
