/**
 * Retention (issue 17 item 4): how long each kind of row with personal data is kept, from the
 * contact policy's `retention` section, as the cutoff times of one purge. Pure: the purge
 * (db/retention.ts) deletes or empties only rows older than their cutoff.
 */
import { RETENTION_KINDS, type RetentionKind, type RetentionPolicy } from '../policy/contact-policy';

const DAY_MS = 86_400_000;

export interface RetentionCutoff {
  kind: RetentionKind;
  days: number;
  /** Rows older than this (ISO) are purged. */
  before: string;
}

/** The cutoff of every kind of row at `now`, in the policy's order. */
export function retentionCutoffs(policy: RetentionPolicy, now: Date): RetentionCutoff[] {
  return RETENTION_KINDS.map((kind) => ({ kind, days: policy[kind].days, before: new Date(now.getTime() - policy[kind].days * DAY_MS).toISOString() }));
}
