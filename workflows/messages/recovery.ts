/** The changed-number recovery workflow's input, status and messages (`reachloop recovery`, the inbound webhook). */
import { defineQuery, defineSignal } from '@temporalio/workflow';

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
