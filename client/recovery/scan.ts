/**
 * A whole recovery scan from the client: every page of dead contacts, their cases opened and
 * matched, a RecoveryWorkflow started for each match (`reachloop recovery scan`, and the demo's
 * changed-number scene).
 */
import type { Client } from '@temporalio/client';
import { scanDeadContacts } from '../../activities/recovery';
import type { Pool } from '../../db/pool';
import { startOrSignalRecovery, type RecoveryOptions } from './lifecycle';

export interface ScanTotal {
  dead: number;
  casesOpened: number;
  matched: number;
  workflowsStarted: number;
  dryRun: boolean;
}

export async function scanAllDeadContacts(
  deps: { pool: Pool; client: Client; options: RecoveryOptions },
  o: { minFailures: number; pageSize: number; dryRun?: boolean; onPage?: (total: ScanTotal) => void },
): Promise<ScanTotal> {
  const { pool, client, options } = deps;
  const total: ScanTotal = { dead: 0, casesOpened: 0, matched: 0, workflowsStarted: 0, dryRun: !!o.dryRun };
  for (let afterId = 0; ; ) {
    const page = await scanDeadContacts(pool, { afterId, limit: o.pageSize, minFailures: o.minFailures, at: new Date(), dryRun: !!o.dryRun, start: (k) => startOrSignalRecovery(client, pool, k, options) });
    total.dead += page.dead;
    total.casesOpened += page.casesOpened;
    total.matched += page.matched;
    total.workflowsStarted += page.workflowsStarted;
    o.onPage?.(total);
    if (page.lastId === null) return total;
    afterId = page.lastId;
  }
}
