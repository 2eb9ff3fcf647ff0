import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { leaseProblem } from '../activities/send-attempt';
import { ConfigError } from '../infra/config';
import { workflowsPath } from '../infra/paths';
import { bulkTaskQueue } from '../workflows/ids';
import { ensureWorkflowBundle } from './bundle';

/** What the worker's activities are given, and the embedded default of it (edges build deps here, never in activities/). */
export { defaultActivityDeps, type ActivityDeps } from '../activities';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A pre-built bundle; otherwise the cached bundle of the current sources (built if needed). */
  workflowBundle?: WorkflowBundleOption;
}

/** Bundles workflows/ with the SDK's webpack setup (a few seconds; tests do it once per run). */
export const bundleWorkflows = () => bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });

const quietBundlerLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

/**
 * CPU-bound batch activities (intake) run on a second task queue whose workers each take only
 * a couple at a time, so that a batch lands on an idle worker process instead of queueing
 * behind the busy one: JavaScript runs one batch at a time per process anyway.
 */
export const BULK_ACTIVITIES_PER_WORKER = 2;

export interface ReachloopWorker {
  run(): Promise<void>;
  shutdown(): void;
}

/** The reachloop worker: workflows and activities on the task queue, plus its bulk queue. */
export async function createWorker(opts: WorkerOptions): Promise<ReachloopWorker> {
  const lease = leaseProblem(opts.deps.sendLeaseMs, { SMS: opts.deps.sms.callTimeoutMs, 'e-mail': opts.deps.email.callTimeoutMs });
  if (lease) throw new ConfigError([lease]);
  const activities = createActivities(opts.deps);
  const main = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle: opts.workflowBundle ?? (await ensureWorkflowBundle()),
    activities,
  });
  const bulk = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: bulkTaskQueue(opts.taskQueue),
    activities,
    maxConcurrentActivityTaskExecutions: BULK_ACTIVITIES_PER_WORKER,
  });
  const workers = [main, bulk];
  return {
    run: async () => {
      const runs = workers.map((w) => w.run());
      try {
        await Promise.all(runs);
      } finally {
        // One stopping (shutdown or a fatal error) stops the other.
        for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
        await Promise.allSettled(runs);
      }
    },
    shutdown: () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
}
