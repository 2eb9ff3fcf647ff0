/**
 * contacts.activity (jsonb): counters and last-seen times written by behaviour events (the keys
 * of EventFacts, owned by the events fold) and by delivery outcomes (consecutiveFailures,
 * messagesSent, messagesRejected). This module turns it into the score's ContactFacts, so intake,
 * events, rechecks and outcomes all read it the same way.
 *
 * Pure: no I/O.
 */
import type { EventFacts } from './events';
import type { ContactFacts } from './intake/merge';

/** What a contact's row says beyond the draft: its activity jsonb, complaints and registration counts. */
export interface StoredFacts {
  activity: Record<string, unknown>;
  complaints: number;
  sameRangeRegistrations: number;
  sameDeviceRegistrations: number;
}

export function contactFactsOf(stored: StoredFacts | undefined, validity: ContactFacts['validity']): ContactFacts {
  const a = stored?.activity ?? {};
  const num = (k: string) => (typeof a[k] === 'number' && Number.isFinite(a[k]) ? (a[k] as number) : 0);
  const nullableNum = (k: string) => (typeof a[k] === 'number' && Number.isFinite(a[k]) ? (a[k] as number) : null);
  const str = (k: string) => (typeof a[k] === 'string' ? (a[k] as string) : null);
  return {
    validity,
    complaints: stored?.complaints ?? 0,
    consecutiveDeliveryFailures: num('consecutiveFailures'),
    messagesSent: num('messagesSent'),
    messagesRejected: num('messagesRejected'),
    smsReplies: num('smsReplies'),
    clicks: num('clicks'),
    socialInteractions: num('socialInteractions'),
    lastLoginAt: str('lastLoginAt'),
    lastActivityAt: str('lastActivityAt'),
    averageOrderValue: nullableNum('averageOrderValue'),
    repurchaseIntervalDays: nullableNum('repurchaseIntervalDays'),
    sameRangeRegistrations: stored?.sameRangeRegistrations ?? 0,
    sameDeviceRegistrations: stored?.sameDeviceRegistrations ?? 0,
  };
}

/** The activity jsonb with the events fold's keys replaced (other keys kept). */
export function withEventFacts(activity: Record<string, unknown>, facts: EventFacts): Record<string, unknown> {
  return { ...activity, ...facts };
}
