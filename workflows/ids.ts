/** Every workflow id is built here, so the CLI, webhooks and tests agree on it. */

export const smokeWorkflowId = (label: string) => `smoke-${label}`;
export const intakeWorkflowId = (importId: number) => `intake-${importId}`;

/** The task queue of CPU-bound batch activities beside a worker's main queue. */
export const bulkTaskQueue = (taskQueue: string) => `${taskQueue}-bulk`;
export const campaignWorkflowId = (campaignId: number) => `campaign-${campaignId}`;
export const eventImportWorkflowId = (importId: number) => `event-import-${importId}`;
/** A recheck started by hand: one at a time (a new one replaces a waiting one). */
export const manualRecheckWorkflowId = () => 'recheck-manual';
export const recheckScheduleId = () => 'reachloop-recheck';
/** Prefix of the workflows the recheck schedule starts (Temporal appends the scheduled time). */
export const scheduledRecheckWorkflowId = () => 'recheck-scheduled';
/** One RecoveryWorkflow per customer whose number died: a second detection signals the running case. */
export const recoveryWorkflowId = (contactId: number) => `recovery-${contactId}`;
export const recoveryScanScheduleId = () => 'reachloop-recovery-scan';
/** Prefix of the scans the schedule starts (Temporal appends the scheduled time); a scan by hand runs in the CLI. */
export const scheduledRecoveryScanWorkflowId = () => 'recovery-scan-scheduled';
/** The Temporal Schedule of a scheduled campaign template (`reachloop winback schedule`). */
export const campaignScheduleId = (templateId: number) => `campaign-schedule-${templateId}`;
/** Prefix of the runs that schedule starts; Temporal appends the scheduled time (e.g. -2026-12-07T02:00:00Z). */
export const scheduledCampaignWorkflowId = (templateId: number) => `scheduled-campaign-${templateId}`;
/**
 * A single message of the HTTP API (POST /v1/messages): its campaign's workflow, named by a random
 * id drawn once and stored with the message under its idempotency key (a repeated request finds the
 * stored id, so it can never start a second one). Never a hash of the key, which a client may make
 * of a number or an e-mail.
 */
export const messageWorkflowId = (nonce: string) => `message-${nonce}`;
/** A sweep of rows left in 'sent' started by hand (`reachloop ledger sweep`); each run its own id. */
export const manualLedgerSweepWorkflowId = (nonce: string) => `ledger-sweep-manual-${nonce}`;
export const ledgerSweepScheduleId = () => 'reachloop-ledger-sweep';
/** Prefix of the sweeps the schedule starts (Temporal appends the scheduled time). */
export const scheduledLedgerSweepWorkflowId = () => 'ledger-sweep-scheduled';
/** A retention purge started by hand (`reachloop privacy retention`); each run its own id. */
export const manualRetentionWorkflowId = (nonce: string) => `retention-manual-${nonce}`;
export const retentionScheduleId = () => 'reachloop-retention';
/** Prefix of the purges the schedule starts (Temporal appends the scheduled time). */
export const scheduledRetentionWorkflowId = () => 'retention-scheduled';
