/**
 * contacts.activity (jsonb): counters and last-seen times written by behaviour events (the keys
 * of EventFacts, owned by the events fold) and by delivery outcomes (consecutiveFailures,
 * messagesSent, messagesRejected). This module turns it into the score's ContactFacts, so intake,
 * events, rechecks and outcomes all read it the same way.
 *
 * Pure: no I/O.
 */
import { TAG_EFFECT, type EventFacts } from './event-fold';
import type { StandardTag } from './events';
import type { ContactFacts } from './score-inputs';

/** What a contact's row says beyond the draft: its activity jsonb, complaints and registration counts. */
export interface StoredFacts {
  activity: Record<string, unknown>;
  complaints: number;
  sameRangeRegistrations: number;
  sameDeviceRegistrations: number;
}

export function contactFactsOf(stored: StoredFacts | undefined, validity: ContactFacts['validity']): ContactFacts {
  const a = stored?.activity ?? {};
  return {
    validity,
    complaints: stored?.complaints ?? 0,
    consecutiveDeliveryFailures: numberOr(a.consecutiveFailures, 0),
    messagesSent: numberOr(a.messagesSent, 0),
    messagesRejected: numberOr(a.messagesRejected, 0),
    smsReplies: numberOr(a.smsReplies, 0),
    clicks: numberOr(a.clicks, 0),
    socialInteractions: numberOr(a.socialInteractions, 0),
    lastLoginAt: stringOrNull(a.lastLoginAt),
    lastActivityAt: stringOrNull(a.lastActivityAt),
    browseEvents: browseEventsOf(a.recentCounts),
    orderCount: numberOr(a.orderCount, 0),
    firstOrderAt: stringOrNull(a.firstOrderAt),
    lastOrderAt: stringOrNull(a.lastOrderAt),
    averageOrderValue: numberOr(a.averageOrderValue, null),
    orderValueCurrency: stringOrNull(a.orderValueCurrency),
    repurchaseIntervalDays: numberOr(a.repurchaseIntervalDays, null),
    categoryInterest: isRecord(a.categoryInterest) ? (a.categoryInterest as Record<string, number>) : {},
    purchasedCategories: Array.isArray(a.purchasedCategories) ? (a.purchasedCategories as string[]) : [],
    sameRangeRegistrations: stored?.sameRangeRegistrations ?? 0,
    sameDeviceRegistrations: stored?.sameDeviceRegistrations ?? 0,
  };
}

// Module-level helpers, not closures per call: this runs for every contact of a bulk import.
const numberOr = <T extends number | null>(v: unknown, fallback: T): number | T => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const stringOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const BROWSE_TAGS = (Object.keys(TAG_EFFECT) as StandardTag[]).filter((t) => TAG_EFFECT[t] === 'browse');

/** Product views, add-to-cart and page views within the window (the fold's recentCounts). */
function browseEventsOf(counts: unknown): number {
  if (!isRecord(counts)) return 0;
  let n = 0;
  for (const t of BROWSE_TAGS) n += numberOr(counts[t], 0);
  return n;
}

/** The activity jsonb with the events fold's keys replaced (other keys kept). */
export function withEventFacts(activity: Record<string, unknown>, facts: EventFacts): Record<string, unknown> {
  return { ...activity, ...facts };
}
