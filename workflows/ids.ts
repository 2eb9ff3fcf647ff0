/** Every workflow id is built here, so the CLI, webhooks and tests agree on it. */

export const smokeWorkflowId = (label: string) => `smoke-${label}`;
export const intakeWorkflowId = (importId: number) => `intake-${importId}`;
