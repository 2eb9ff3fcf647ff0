/**
 * What the demo waits for and reports once its campaign has done what it may do now: the
 * recipients settled (sent, skipped, or deferred to their next opening), the delivery receipts
 * and replies back through the signed webhooks, and the summary it prints.
 */
import { campaignProgress, deferredByZone, type CampaignProgress } from '../../db/campaign-progress';
import { messageOutcomes, openMessages, recipientReactions } from '../../db/campaign-feedback';
import type { Pool } from '../../db/pool';
import type { CampaignStatus } from '../../workflows/messages/campaign';
import type { ImportResult } from '../commands/audience';
import { DateTime } from 'luxon';
import { renderScenes, type SceneReport } from './scenes';

export interface DemoFeedback {
  /** Final delivery states of the campaign's messages (delivered, undelivered:30003, ...). */
  outcomes: Record<string, number>;
  /** Messages still without a final status when the wait ended. */
  pending: number;
  optOuts: number;
  replies: number;
  /** Contacts handed to the changed-number funnel. */
  deadNumbers: number;
}

/**
 * Waits (at most timeoutMs) until the campaign has done all it may do now: planned, and every
 * recipient sent, skipped, or deferred to a later instant (or the workflow finished).
 */
export async function awaitSettled(pool: Pool, campaignId: number, status: () => Promise<CampaignStatus>, timeoutMs: number): Promise<CampaignProgress> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // The first query can come before the workflow's first task registered its handler.
    const phase = await status().then((st) => st.phase, () => 'starting');
    const p = await campaignProgress(pool, campaignId, new Date());
    if (phase === 'completed' || phase === 'cancelled' || (p.planned > 0 && p.dueNow === 0) || Date.now() > deadline) return p;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits (at most timeoutMs) until every message of the campaign has its final status, then sums up the loop. */
export async function awaitFeedback(pool: Pool, campaignId: number, timeoutMs: number): Promise<DemoFeedback> {
  const deadline = Date.now() + timeoutMs;
  let pending = 0;
  for (;;) {
    pending = await openMessages(pool, campaignId);
    if (pending === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 500)); // the replies follow the deliveries
  return { outcomes: await messageOutcomes(pool, campaignId), pending, ...(await recipientReactions(pool, campaignId)) };
}

/** Deferred recipients by zone, each with when it opens in local time and in UTC. */
export async function deferredUntil(pool: Pool, campaignId: number): Promise<Array<{ timeZone: string; count: number; untilUtc: string; untilLocal: string }>> {
  return (await deferredByZone(pool, campaignId)).map((d) => ({
    timeZone: d.timeZone,
    count: d.count,
    untilUtc: d.until.toISOString(),
    untilLocal: DateTime.fromJSDate(d.until, { zone: d.timeZone }).isValid ? DateTime.fromJSDate(d.until, { zone: d.timeZone }).toFormat('yyyy-LL-dd HH:mm') : '-',
  }));
}

export interface DemoResult {
  import: ImportResult;
  campaign: CampaignStatus;
  progress: CampaignProgress;
  deferred: Awaited<ReturnType<typeof deferredUntil>>;
  feedback: DemoFeedback;
  /** Null when no scripted customer could be placed in an open window (client/demo/scenes.ts). */
  scenes: SceneReport | null;
  approvedBy: string | null;
  reportHtml: string;
}

export function renderDemo(r: DemoResult): string {
  const c = r.campaign;
  // The counts are the database's (a retried batch can make the workflow's tally drift).
  const p = r.progress;
  const f = r.feedback;
  const list = (m: Record<string, number>) => Object.entries(m).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(', ') || '-';
  return [
    `campaign ${c.campaignId} ${c.phase}${r.approvedBy ? ` (approved by ${r.approvedBy})` : ''}: ${p.planned} recipients (${list(p.byState)})`,
    ...(p.nextAt
      ? [
          `  deferred          ${list(p.deferredByReason)}; the workflow sends each at its opening (it goes on under \`reachloop dev\`):`,
          ...r.deferred.map((d) => `                    ${d.timeZone.padEnd(22)} ${String(d.count).padStart(5)} until ${d.untilLocal} local (${d.untilUtc} UTC)`),
        ]
      : []),
    `  sent by channel   ${list(p.sentByChannel)}`,
    `  sent by tier      ${list(p.sentByTier)}`,
    `  skipped (why)     ${list(p.skippedByReason)}`,
    `  top time zones    ${Object.entries(p.sentByZone).sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, n]) => `${k} ${n}`).join(', ')}`,
    `feedback          ${list(f.outcomes)}${f.pending ? ` (${f.pending} still without a final status)` : ''}`,
    `  opt-outs by STOP ${f.optOuts}; replies ${f.replies}; dead numbers handed to recovery ${f.deadNumbers}`,
    ...(r.scenes ? renderScenes(r.scenes) : ['scripted handsets: none this hour (no candidate country inside its window)']),
    `the campaign report: reachloop campaign report ${c.campaignId}; with charts: ${r.reportHtml}`,
    `every decision: reachloop campaign decisions ${c.campaignId}; a contact: reachloop contact show ID --reason "why"; the Temporal UI of the workflows: run \`reachloop dev\` (it keeps the stack and prints the UI address)`,
  ].join('\n');
}
