/**
 * Client side of the RecoveryWorkflow: start a case's workflow, or signal the one already running
 * for that customer (signalWithStart on the deterministic id), so a second detection never starts
 * a second case. Used by the CLI, the scan, tests (and the inbound webhook for replies).
 */
import type { Client } from '@temporalio/client';
import { lazyClient } from '../infra/temporal';
import { WorkflowNotFoundError, type SignalDefinition } from '@temporalio/common';
import type { RecoveryReply } from '../core/recovery/confirmation';
import { setCaseWorkflow } from '../db/recovery';
import type { Pool } from '../db/pool';
import type { Config } from '../infra/config';
import { recoveryWorkflowId } from '../workflows/ids';
import { currentNumberReply, recoveryDetected, recoveryReply, type RecoveryInput } from '../workflows/messages/recovery';
import { CONTACT_POLICY } from '../core/policy/contact-policy';
import { currentAnswerWithinMs } from '../core/recovery/number-change';
import { recoveryWorkflow } from '../workflows/recovery';

export interface RecoveryOptions {
  taskQueue: string;
  replyTimeoutMs?: number;
  reminderAfterMs?: number;
  followUpCampaignId?: number | null;
  brand?: string;
  /** How long a reachable current number has to answer a reported change (default: the contact policy's consent.numberChange). */
  currentAnswerWithinMs?: number;
}

/** The configured options (RECOVERY_REPLY_WITHIN, RECOVERY_FOLLOW_UP_CAMPAIGN, BRAND_NAME), overridable per command. */
export function recoveryOptionsOf(config: Config, over: { replyWithinMs?: number; followUpCampaignId?: number | null; brand?: string } = {}): RecoveryOptions {
  const replyTimeoutMs = over.replyWithinMs ?? config.recovery.replyWithinMs;
  return {
    taskQueue: config.temporal.taskQueue,
    replyTimeoutMs,
    reminderAfterMs: Math.round((replyTimeoutMs * 2) / 3),
    followUpCampaignId: over.followUpCampaignId !== undefined ? over.followUpCampaignId : config.recovery.followUpCampaignId,
    brand: over.brand ?? config.brand,
  };
}

type CaseToStart = { id: number; contactId: number; detectionReason: string; currentCheck?: 'notify' | 'consent' | null };

export async function startOrSignalRecovery(client: Client, pool: Pool, k: CaseToStart, opts: RecoveryOptions): Promise<string> {
  const workflowId = recoveryWorkflowId(k.contactId);
  const input: RecoveryInput = {
    contactId: k.contactId,
    caseId: k.id,
    ...(opts.replyTimeoutMs !== undefined ? { replyTimeoutMs: opts.replyTimeoutMs } : {}),
    ...(opts.reminderAfterMs !== undefined ? { reminderAfterMs: opts.reminderAfterMs } : {}),
    followUpCampaignId: opts.followUpCampaignId ?? null,
    ...(opts.brand ? { brand: opts.brand } : {}),
    ...(k.currentCheck ? { currentNumber: { check: k.currentCheck, answerWithinMs: opts.currentAnswerWithinMs ?? currentAnswerWithinMs(CONTACT_POLICY) } } : {}),
  };
  await client.workflow.signalWithStart(recoveryWorkflow, {
    taskQueue: opts.taskQueue,
    workflowId,
    args: [input],
    signal: recoveryDetected,
    signalArgs: [{ reason: k.detectionReason }],
  });
  await setCaseWorkflow(pool, k.id, workflowId, opts.followUpCampaignId ?? null);
  return workflowId;
}

/**
 * The answer of a candidate number, for the case's workflow. 'no_workflow' when none runs for
 * that customer (a case matched by a dry-run scan, or already closed): nothing waits for it.
 */
export async function signalRecoveryReply(client: Client, contactId: number, reply: RecoveryReply, messageSid?: string): Promise<'signalled' | 'no_workflow'> {
  return signalCase(client, contactId, recoveryReply, { reply, ...(messageSid ? { messageSid } : {}) });
}

/** The current number's answer to the notice of a reported change, for the case's workflow ('no_workflow' as above). */
export async function signalCurrentNumberReply(client: Client, contactId: number, reply: 'consent' | 'refuse', messageSid?: string): Promise<'signalled' | 'no_workflow'> {
  return signalCase(client, contactId, currentNumberReply, { reply, ...(messageSid ? { messageSid } : {}) });
}

async function signalCase<T>(client: Client, contactId: number, signal: SignalDefinition<[T]>, arg: T): Promise<'signalled' | 'no_workflow'> {
  try {
    await client.workflow.getHandle(recoveryWorkflowId(contactId)).signal(signal, arg);
    return 'signalled';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'no_workflow';
    throw err;
  }
}

/** What the HTTP edge needs of Temporal for recovery: pass answers on, start self-reported cases. */
export interface RecoveryLink {
  signalReply(contactId: number, reply: RecoveryReply, messageSid: string): Promise<'signalled' | 'no_workflow'>;
  signalCurrentReply(contactId: number, reply: 'consent' | 'refuse', messageSid: string): Promise<'signalled' | 'no_workflow'>;
  start(k: CaseToStart): Promise<string>;
  close(): Promise<void>;
}

/**
 * A RecoveryLink over a Temporal client connected on first use (so the HTTP server starts, and
 * serves everything else, while Temporal is down; a failed connection is retried next time).
 */
export function recoveryLink(connect: () => Promise<Client>, pool: Pool, opts: RecoveryOptions): RecoveryLink {
  const { get, close } = lazyClient(connect);
  return {
    signalReply: async (contactId, reply, messageSid) => signalRecoveryReply(await get(), contactId, reply, messageSid),
    signalCurrentReply: async (contactId, reply, messageSid) => signalCurrentNumberReply(await get(), contactId, reply, messageSid),
    start: async (k) => startOrSignalRecovery(await get(), pool, k, opts),
    close,
  };
}
