/** The summary of an events batch (ingestEvents): the events import workflow and the HTTP API add these up. Pure. */

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

/** Distinct unknown source names kept per report; the rest are counted under "(other)". */
export const UNKNOWN_TAG_NAMES_KEPT = 100;

export const emptySummary = (): EventBatchSummary => ({
  read: 0,
  stored: 0,
  duplicates: 0,
  rejected: 0,
  rejectedByReason: {},
  unknownTags: {},
  unmatched: 0,
  tags: {},
  contactsRescored: 0,
  tierChanges: 0,
  warnings: 0,
  warningsByReason: {},
});

export function addUnknownTag(into: Record<string, number>, name: string, n: number): void {
  const key = name in into || Object.keys(into).length < UNKNOWN_TAG_NAMES_KEPT ? name : '(other)';
  into[key] = (into[key] ?? 0) + n;
}
