// The worker's workflow bundle: every workflow type reachloop registers.
export { smokeWorkflow } from './smoke';
export { audienceIntakeWorkflow } from './intake';
export { campaignWorkflow } from './campaign';
export { eventsImportWorkflow } from './events-import';
export { recheckWorkflow } from './recheck';
export { recoveryWorkflow } from './recovery';
export { recoveryScanWorkflow } from './recovery-scan';
export { scheduledCampaignWorkflow } from './scheduled-campaign';
export { ledgerSweepWorkflow } from './ledger-sweep';
export { retentionWorkflow } from './retention';
