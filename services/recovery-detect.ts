/**
 * Changed-number detection: one page of a recovery scan, and detection and matching for a batch of
 * dead contacts (scan, operator, API), with a dry-run preview. Use case layer: the CLI, the API's
 * number change and the RecoveryScan activity call it.
 */
import { DEFAULT_MIN_CONFIDENCE, matchCandidates, type CandidateLink } from '../core/recovery/match';
import type { Pool } from '../db/pool';
import { findDeadContacts, openCase, openCaseOf, recordMatch, type RecoveryCase } from '../db/recovery';
import { gatherLinks, selfReportedLink } from '../db/recovery-links';
import { mapConcurrent } from './pacing';

export interface ScanPage {
  dead: number;
  casesOpened: number;
  matched: number;
  workflowsStarted: number;
  /** The last contact id looked at; null when the page was the last one. */
  lastId: number | null;
}

/** Workflows started at once while a scan page is handed over (signalWithStart round trips). */
const START_CONCURRENCY = 16;

/**
 * One page of a recovery scan: the dead contacts after `afterId`, their cases opened and matched,
 * and a RecoveryWorkflow started (or signalled) for every case with a candidate, unless dry run.
 * Used by `reachloop recovery scan` and the scheduled RecoveryScanWorkflow.
 */
export async function scanDeadContacts(
  pool: Pool,
  o: { afterId: number; limit: number; minFailures: number; at: Date; dryRun?: boolean; start: (k: RecoveryCase) => Promise<string> },
): Promise<ScanPage> {
  const dead = await findDeadContacts(pool, { minFailures: o.minFailures, limit: o.limit, afterId: o.afterId });
  const lastId = dead.length < o.limit ? null : dead[dead.length - 1]!.contactId;
  if (o.dryRun) return { dead: dead.length, ...(await previewDetectAndMatch(pool, dead)), workflowsStarted: 0, lastId };
  const results = await detectAndMatch(pool, dead, o.at);
  const toStart = results.filter((r) => r.case.state === 'matched').map((r) => r.case);
  await mapConcurrent(toStart, START_CONCURRENCY, async (k) => void (await o.start(k)));
  return {
    dead: dead.length,
    casesOpened: results.filter((r) => r.created).length,
    matched: results.filter((r) => r.matched).length,
    workflowsStarted: toStart.length,
    lastId,
  };
}

/**
 * What detectAndMatch would do, writing nothing (`recovery scan --dry-run`): the cases it would
 * open, and how many cases would have a candidate (an open case keeps its own match).
 */
export async function previewDetectAndMatch(
  pool: Pool,
  items: ReadonlyArray<{ contactId: number }>,
  minConfidence = DEFAULT_MIN_CONFIDENCE,
): Promise<{ casesOpened: number; matched: number }> {
  const links = await gatherLinks(pool, items.map((i) => i.contactId));
  let casesOpened = 0;
  let matched = 0;
  for (const item of items) {
    // An erased person (or a contact holding their number or address) gets no case.
    if (links.get(item.contactId)?.erased) continue;
    const open = await openCaseOf(pool, item.contactId);
    if (!open) casesOpened++;
    if (open && open.state !== 'detected') {
      if (open.matchedAt !== null) matched++;
      continue;
    }
    const own = links.get(item.contactId);
    if (own && matchCandidates(own.old, own.links, minConfidence).best) matched++;
  }
  return { casesOpened, matched };
}

export interface DetectResult {
  case: RecoveryCase;
  created: boolean;
  matched: boolean;
}

/**
 * Detection and matching for a batch of dead contacts (scan, operator, API): open (or find) the
 * case, gather the customer's links, pick the best candidate, record it with its evidence.
 * Cases that already have a candidate are left as they are. A customer that was erased, or holds
 * an erased person's number or address, gets no case (no result); an erased candidate is excluded
 * (core/recovery/match.ts).
 */
export async function detectAndMatch(
  pool: Pool,
  items: ReadonlyArray<{ contactId: number; reason: string; selfReportedE164?: string }>,
  at: Date,
  minConfidence = DEFAULT_MIN_CONFIDENCE,
): Promise<DetectResult[]> {
  const links = await gatherLinks(pool, items.map((i) => i.contactId));
  const out: DetectResult[] = [];
  for (const item of items) {
    if (links.get(item.contactId)?.erased) continue;
    const { case: k, created } = await openCase(pool, item.contactId, item.reason, at);
    if (k.state !== 'detected' && !(item.selfReportedE164 && k.state === 'matched')) {
      out.push({ case: k, created, matched: k.matchedAt !== null });
      continue;
    }
    const own = links.get(item.contactId);
    if (!own) continue;
    const all: CandidateLink[] = [...own.links];
    if (item.selfReportedE164) all.push(await selfReportedLink(pool, item.selfReportedE164));
    const match = matchCandidates(own.old, all, minConfidence);
    const recorded = await recordMatch(pool, k.id, match, at, match.best?.contactId === null ? item.selfReportedE164 : undefined);
    out.push({ case: recorded, created, matched: recorded.state === 'matched' });
  }
  return out;
}
