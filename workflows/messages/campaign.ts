/** The campaign workflow's input, status and operator messages (approve, pause, resume, cancel, status). */
import { defineQuery, defineSignal } from '@temporalio/workflow';

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

export type CampaignPhase = 'awaiting_approval' | 'scheduled' | 'planning' | 'running' | 'paused' | 'waiting' | 'completed' | 'cancelled';

/** Recipients sent, deferred and skipped, by their dimensions: a batch's result and the campaign's status alike. */
export interface DispatchTallies {
  sentByTier: Record<string, number>;
  sentByChannel: Record<string, number>;
  sentByZone: Record<string, number>;
  deferredByReason: Record<string, number>;
  skippedByReason: Record<string, number>;
}

export interface CampaignState extends DispatchTallies {
  phase: CampaignPhase;
  planned: number | null;
  approvedBy: string | null;
  paused: boolean;
  cancelReason: string | null;
  batches: number;
  byState: Record<string, number>;
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
