/**
 * Signals, queries and updates: defined once here, imported by workflows, the CLI, the HTTP
 * server and tests. Only @temporalio/workflow's define* helpers (deterministic, no I/O).
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';

// ---- smoke flow (foundation check: workflow -> activity -> Postgres) ----

export interface SmokeInput {
  label: string;
  /** How long the workflow waits between its two steps unless released early. */
  waitSeconds: number;
}

export interface SmokeResult {
  label: string;
  /** Row ids the activities wrote; the CLI reads them back from Postgres. */
  rowIds: string[];
  releasedEarly: boolean;
}

export interface SmokeProgress {
  step: 'starting' | 'waiting' | 'finished';
  releasedEarly: boolean;
}

export const smokeRelease = defineSignal('smokeRelease');
export const smokeProgress = defineQuery<SmokeProgress>('smokeProgress');

// ---- audience intake ----

export interface IntakeInput {
  importId: number;
  /** Records read from the file (the header excluded). */
  rowsRead: number;
  /** Rows the upload validated, normalised and staged for the merge. */
  validRows: number;
  /** Rows rejected while reading and validating the file, by reason. */
  rejectedByReason: Record<string, number>;
  /** Valid rows' optional fields left empty or cleaned, by reason (absent in runs started before warnings existed). */
  warningsByReason?: Record<string, number>;
  /** Merge activities in flight at once. */
  parallelism: number;
  /** Hash ranges of the merge phase. */
  partitions: number;
  /** Carried across continue-as-new. */
  state?: IntakeState;
}

export interface IntakeState {
  nextPartition: number;
  indexed: boolean;
  totals: IntakeTotals;
}

export interface IntakeTotals {
  contacts: number;
  created: number;
  quarantined: number;
  quarantinedByReason: Record<string, number>;
  tiers: Record<string, number>;
  timeZones: Record<string, number>;
  consentNever?: Record<string, number>;
  /** Staged rows without a phone whose customer id named no contact, by reason. */
  rejectedAtIndex?: Record<string, number>;
}

export interface IntakePartitionResult {
  contacts: number;
  created: number;
  quarantined: number;
  quarantinedByReason: Record<string, number>;
  tiers: Record<string, number>;
  tierChanges: number;
  /** Contacts per candidate time zone. */
  timeZones: Record<string, number>;
  /** Rows whose consent source is never marketing consent (purchased_list, rented_list), by source. */
  consentNever: Record<string, number>;
}

export interface IntakeReport {
  importId: number;
  rowsRead: number;
  accepted: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  /** Accepted rows imported with an optional field left empty or cleaned (one per field), by reason. */
  warnings?: number;
  warningsByReason?: Record<string, number>;
  /** Valid rows that merged into another row of the same file. */
  mergedDuplicates: number;
  /** Contacts of the file that were in reachloop already (updated, or unchanged by a re-import); absent in reports of older runs. */
  existing?: number;
  contacts: number;
  created: number;
  quarantined: number;
  quarantinedByReason: Record<string, number>;
  tiers: Record<string, number>;
  /** Contacts per candidate time zone. */
  timeZones: Record<string, number>;
  /** Rows whose consent is never marketing consent (a bought or rented list: contact policy consent.sources), by source. */
  consentNever?: Record<string, number>;
}

export interface IntakeProgress {
  phase: 'indexing' | 'merging' | 'finishing';
  /** Rows staged by the upload. */
  totalRows: number;
  partitions: number;
  partitionsMerged: number;
}

export const intakeProgress = defineQuery<IntakeProgress>('intakeProgress');

// ---- campaigns ----

export interface CampaignInput {
  campaignId: number;
  /** Override of the definition's startAt (ISO 8601), e.g. `campaign launch --at`. */
  startAt?: string;
  /** Batch activities in flight at once, and recipients per batch. */
  lanes?: number;
  batchSize?: number;
  /** Carried across continue-as-new. */
  state?: CampaignState;
}

export interface CampaignPlan {
  name: string;
  category: 'marketing' | 'transactional';
  requireApproval: boolean;
  startAt: number | null;
  /** Until startAt, by the activities' clock; 0 when it has passed or there is none. */
  startInMs: number;
  deadline: number | null;
  /** Messages per second per channel for the whole campaign; null = unlimited. */
  rate: { sms: number | null; email: number | null };
}

export interface DispatchInput {
  campaignId: number;
  /** Deterministic per batch: a retried activity resumes the rows it claimed. */
  claimKey: string;
  limit: number;
  /** This lane's share of the campaign's rate. */
  rate: { sms: number | null; email: number | null };
}

export interface DispatchResult {
  claimed: number;
  /** Recipients per state: what this batch moved out of (negative) and into (positive). */
  stateDelta: Record<string, number>;
  sentByTier: Record<string, number>;
  sentByChannel: Record<string, number>;
  sentByZone: Record<string, number>;
  deferredByReason: Record<string, number>;
  skippedByReason: Record<string, number>;
  /** Earliest next_at of recipients still to handle; null when none are left. */
  nextDueAt: number | null;
  /** How long until then, by the activities' clock (workflows read no clock). */
  wakeInMs: number | null;
  remaining: number;
}

export type CampaignPhase = 'awaiting_approval' | 'scheduled' | 'planning' | 'running' | 'paused' | 'waiting' | 'completed' | 'cancelled';

export interface CampaignState {
  phase: CampaignPhase;
  planned: number | null;
  approvedBy: string | null;
  paused: boolean;
  cancelReason: string | null;
  batches: number;
  byState: Record<string, number>;
  sentByTier: Record<string, number>;
  sentByChannel: Record<string, number>;
  sentByZone: Record<string, number>;
  deferredByReason: Record<string, number>;
  skippedByReason: Record<string, number>;
  /** When the workflow next wakes for deferred recipients (epoch ms), and how far that was when set. */
  nextWakeAt: number | null;
  wakeInMs: number | null;
}

export type CampaignStatus = CampaignState & { campaignId: number; name: string; category: string };

export const approveCampaign = defineSignal<[{ by: string }]>('approve');
export const pauseCampaign = defineSignal('pause');
export const resumeCampaign = defineSignal('resume');
export const cancelCampaign = defineSignal<[{ reason: string }]>('cancel');
export const campaignStatus = defineQuery<CampaignStatus>('status');

// ---- behaviour events: `reachloop events import` ----

export interface EventBatchSummary {
  /** Lines (or request items) looked at. */
  read: number;
  stored: number;
  /** Event ids already stored (or repeated within the batch): skipped. */
  duplicates: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  /** Stored events whose source name maps to no standard tag, by that name. */
  unknownTags: Record<string, number>;
  /** Stored events whose number is not a contact (yet): contact_id NULL. */
  unmatched: number;
  /** Stored events per standard tag. */
  tags: Record<string, number>;
  contactsRescored: number;
  tierChanges: number;
  /** Stored events with a property left out (missing or malformed), by reason (absent in runs recorded before warnings existed). */
  warnings?: number;
  warningsByReason?: Record<string, number>;
}

export interface EventImportInput {
  importId: number;
  /** Lines staged by the upload, numbered 1..totalRows. */
  totalRows: number;
  batchSize: number;
  parallelism: number;
  /** Lines rejected while reading the file (too long), by reason. */
  parseRejected: Record<string, number>;
  /** Carried across continue-as-new. */
  state?: { nextSeq: number; totals: EventBatchSummary };
}

export interface EventImportReport extends EventBatchSummary {
  importId: number;
}

export interface EventImportProgress {
  totalRows: number;
  rowsDone: number;
}

export const eventImportProgress = defineQuery<EventImportProgress>('eventImportProgress');

// ---- re-verification of numbers: `reachloop audience recheck` ----

export interface RecheckInput {
  /** Only contacts whose recheck_after has come. */
  dueOnly: boolean;
  /** After a pass, sleep until the numbers that asked for a recheck in hours are due, and recheck them. */
  followUp: boolean;
  /** Follow-up passes at most (then the regular cycle takes over). */
  maxFollowUps: number;
  /** Follow-ups look this far ahead for pending short rechecks. */
  followUpHorizonHours: number;
  batchSize: number;
  state?: RecheckState;
}

export interface RecheckTotals {
  checked: number;
  /** core/recheck.ts RecheckOutcome -> count. */
  byOutcome: Record<string, number>;
  /** `from->to` number status -> count. */
  byTransition: Record<string, number>;
  tierChanges: number;
  upgraded: number;
  downgraded: number;
}

export interface RecheckState {
  jobId: string;
  pass: number;
  afterId: number;
  dueOnly: boolean;
  followUps: number;
  totals: RecheckTotals;
  passes: RecheckTotals[];
}

export interface RecheckBatchResult extends RecheckTotals {
  /** Highest contact id of the batch; null when there was nothing left. */
  lastId: number | null;
}

export interface RecheckReport extends RecheckTotals {
  passes: RecheckTotals[];
  /** Numbers still waiting for a short recheck (beyond the follow-ups), and when the first is due. */
  pendingShortRechecks: number;
  nextRecheckAt: string | null;
}

export interface RecheckProgress {
  phase: 'checking' | 'waiting' | 'done';
  pass: number;
  totals: RecheckTotals;
  passes: RecheckTotals[];
  /** While waiting: when the follow-up pass runs, and for how many numbers. */
  nextRecheckAt: string | null;
  pendingShortRechecks: number;
}

export const recheckProgress = defineQuery<RecheckProgress>('recheckProgress');

// ---- changed-number recovery: `reachloop recovery`, the inbound webhook ----

export interface RecoveryInput {
  /** The customer whose number died (the old contact). */
  contactId: number;
  /** recovery_cases.id */
  caseId: number;
  /** How long the candidate has to answer after the confirmation is sent (default 72 h). */
  replyTimeoutMs?: number;
  /** When the single reminder goes out if nothing came back (default 48 h; 0 = no reminder). */
  reminderAfterMs?: number;
  /** Where the welcome-back offer goes (a marketing campaign: consent, window, caps apply). */
  followUpCampaignId?: number | null;
  brand?: string;
  /**
   * A reported change while the customer's current number is reachable (recovery_cases.current_check):
   * the current number is told at once; 'consent': its YES is needed before the merge, 'notify': a NO
   * within answerWithinMs cancels. Absent: the current number is dead, nobody to tell.
   */
  currentNumber?: { check: 'notify' | 'consent'; answerWithinMs: number };
}

export type RecoveryPhase = 'waiting_window' | 'sending' | 'awaiting_reply' | 'awaiting_current_number' | 'merging' | 'confirmed' | 'refused' | 'expired' | 'cancelled';

export interface RecoveryStatus {
  caseId: number;
  contactId: number;
  phase: RecoveryPhase;
  confirmationsSent: number;
  remindersSent: number;
  reply: 'confirm' | 'refuse' | 'unclear' | null;
  /** Detections that reached the running case (a duplicate detection is a signal, not a case). */
  detections: number;
  /** Replies the case ignored: unclear answers, a "Y" before any question was asked. */
  ignoredReplies: number;
  waitReason: string | null;
  /** The current number's part (input.currentNumber): told, and its answer so far. */
  currentNumber?: { check: 'notify' | 'consent'; told: boolean; reply: 'consent' | 'refuse' | null };
}

/** From the inbound webhook: the candidate answered. Only the interpretation travels, never the text. */
export const recoveryReply = defineSignal<[{ reply: 'confirm' | 'refuse' | 'unclear'; messageSid?: string }]>('recoveryReply');
/** From the inbound webhook: the current number answered the notice of a change (YES consents, NO refuses). */
export const currentNumberReply = defineSignal<[{ reply: 'consent' | 'refuse'; messageSid?: string }]>('currentNumberReply');
/** A further detection of the same dead number while the case runs. */
export const recoveryDetected = defineSignal<[{ reason: string }]>('recoveryDetected');
export const cancelRecovery = defineSignal<[{ reason: string }]>('cancelRecovery');
export const recoveryStatus = defineQuery<RecoveryStatus>('recoveryStatus');

/** The scheduled changed-number scan (`reachloop recovery scan --schedule`). */
export interface RecoveryScanInput {
  minFailures: number;
  pageSize: number;
  /** Options of the cases it starts (task queue, reply window, brand, follow-up campaign). */
  options: { taskQueue: string; replyTimeoutMs?: number; reminderAfterMs?: number; followUpCampaignId?: number | null; brand?: string };
  /** Carried over continue-as-new. */
  state?: { afterId: number; totals: RecoveryScanTotals };
}

export interface RecoveryScanTotals {
  dead: number;
  casesOpened: number;
  matched: number;
  workflowsStarted: number;
  pages: number;
}

export const recoveryScanProgress = defineQuery<RecoveryScanTotals>('recoveryScanProgress');

// ---- the sweep of ledger rows left in 'sent': `reachloop ledger sweep` ----

/** Where a sweep is: SMS ledger rows by id, then adopted second messages by provider id; null when done. */
export type LedgerSweepCursor = { phase: 'rows' | 'adopted'; after: string } | null;

export interface LedgerSweepInput {
  /** Rows and messages whose last word from the provider is older than this are asked about (SENT_SWEEP_AFTER). */
  olderThanMs: number;
  pageSize: number;
  /** Provider requests in flight at once. */
  concurrency: number;
  /** Ask the provider and report what would change; write nothing. */
  dryRun: boolean;
  /** Carried over continue-as-new. */
  state?: { cursor: LedgerSweepCursor; totals: LedgerSweepTotals };
}

export interface LedgerSweepTotals {
  /** Messages asked about. */
  checked: number;
  /** Of those, the ones whose status moved (or, in a dry run, would move). */
  changed: number;
  /** "sent -> delivered", "sent -> undelivered", ... of the changed ones. */
  byTransition: Record<string, number>;
  /** Asked about, the provider still reports them as not final. */
  stillPending: number;
  /** Adopted second messages (duplicate sends) among the checked. */
  duplicatesChecked: number;
  /** The provider has no such message (it answered 404). */
  missingAtProvider: number;
  /** Provider requests that failed (tried again by the next sweep). */
  errors: number;
  pages: number;
}

export interface LedgerSweepPage extends LedgerSweepTotals {
  next: LedgerSweepCursor;
}

export type LedgerSweepReport = LedgerSweepTotals & { dryRun: boolean; olderThanMs: number };

export const ledgerSweepProgress = defineQuery<LedgerSweepTotals & { phase: 'rows' | 'adopted' | 'done' }>('ledgerSweepProgress');

// ---- the retention purge: `reachloop privacy retention` ----

export interface RetentionInput {
  /** Rows per batch (one transaction each). */
  batchSize: number;
  /** Count what is due; change nothing. */
  dryRun: boolean;
  /** Carried over continue-as-new: the cutoffs fixed at the start, where the purge is, the totals. */
  state?: { cutoffs: Array<{ kind: string; days: number; before: string }>; at: number; purged: Record<string, number> };
}

export interface RetentionReport {
  dryRun: boolean;
  /** Per kind of row (the contact policy's retention section): days kept, cutoff, rows purged (or due, in a dry run). */
  kinds: Array<{ kind: string; days: number; before: string; rows: number }>;
  total: number;
}

export const retentionProgress = defineQuery<{ kind: string | null; purged: Record<string, number> }>('retentionProgress');
