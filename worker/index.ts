import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { workflowsPath } from '../infra/paths';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A pre-built bundle (tests build it once per run); built from workflows/ otherwise. */
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

/** The reachloop worker: every workflow and activity on one task queue. */
export async function createWorker(opts: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle: opts.workflowBundle ?? (await bundleWorkflows()),
    activities: createActivities(opts.deps),
  });
}
