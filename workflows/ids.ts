/** Every workflow id is built here, so the CLI, webhooks and tests agree on it. */

export const smokeWorkflowId = (label: string) => `smoke-${label}`;
export const intakeWorkflowId = (importId: number) => `intake-${importId}`;

/** The task queue of CPU-bound batch activities beside a worker's main queue. */
export const bulkTaskQueue = (taskQueue: string) => `${taskQueue}-bulk`;
