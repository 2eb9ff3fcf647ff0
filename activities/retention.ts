/**
 * The retention purge's steps (workflows/retention.ts): the cutoffs of the contact policy's
 * retention section at the worker's clock, and one batch of one kind of row purged or counted.
 */
import { CONTACT_POLICY, RETENTION_KINDS, type RetentionKind } from '../core/policy/contact-policy';
import { retentionCutoffs, type RetentionCutoff } from '../core/privacy/retention';
import type { Pool } from '../db/pool';
import { countDue, purgeBatch } from '../db/retention';

export interface RetentionDeps {
  pool: Pool;
  now: () => Date | Promise<Date>;
  log: (message: string) => void;
}

function kindOf(kind: string): RetentionKind {
  if (!(RETENTION_KINDS as readonly string[]).includes(kind)) throw new Error(`unknown retention kind "${kind}"`);
  return kind as RetentionKind;
}

export const createRetentionActivities = (deps: RetentionDeps) => ({
  async retentionCutoffsNow(): Promise<RetentionCutoff[]> {
    return retentionCutoffs(CONTACT_POLICY.retention, await deps.now());
  },
  /** At most `limit` rows of the kind older than `before`, purged in one transaction (retry-safe: a purged row is not due again). */
  async purgeRetentionBatch(input: { kind: string; before: string; limit: number }): Promise<number> {
    const n = await purgeBatch(deps.pool, kindOf(input.kind), new Date(input.before), input.limit);
    if (n > 0) deps.log(`retention: ${input.kind}: ${n} row(s) older than ${input.before} purged`);
    return n;
  },
  async countRetentionDue(input: { kind: string; before: string }): Promise<number> {
    return countDue(deps.pool, kindOf(input.kind), new Date(input.before));
  },
});
