/**
 * A contact's score inputs, assembled from its record (the draft: what the customer file says of
 * its number and orders) and its facts (contacts.activity: what events and delivery outcomes
 * said; the import's registration counts). Intake, events, rechecks and delivery outcomes all
 * assemble them here, so a contact scores the same whichever of them re-scores it.
 *
 * Orders are known from two sources, the customer file and purchase events, which may describe
 * the same orders: counts take the larger, dates the widest span, values the events' (dated,
 * per order) when there are any.
 *
 * Pure: no I/O.
 */
import type { ContactDraft } from './intake/merge';
import type { PhoneType } from './phone';
import type { ScoreInputs } from './score';
import type { LineType, ValidityStatus } from './score-policy';

/** What the contact's record and the import's statistics say, as score inputs. */
export interface ContactFacts {
  validity: ValidityStatus;
  complaints: number;
  consecutiveDeliveryFailures: number;
  messagesSent: number;
  messagesRejected: number;
  smsReplies: number;
  clicks: number;
  lastLoginAt: string | null;
  lastActivityAt: string | null;
  sameRangeRegistrations: number;
  sameDeviceRegistrations: number;
  /** From behaviour events (core/event-fold.ts foldEvents); absent = none. */
  socialInteractions?: number;
  browseEvents?: number;
  /** Orders seen as purchase events; absent/0 = none. */
  orderCount?: number;
  firstOrderAt?: string | null;
  lastOrderAt?: string | null;
  /** Average over the contact's purchase events; absent/null = the imported order value. */
  averageOrderValue?: number | null;
  /** The currency of averageOrderValue; null = amounts as sent, read as the reference currency. */
  orderValueCurrency?: string | null;
  /** Median days between the purchase events' orders. */
  repurchaseIntervalDays?: number | null;
  /** Product events per category within the activity window, and the categories bought. */
  categoryInterest?: Readonly<Record<string, number>>;
  purchasedCategories?: readonly string[];
}

const later = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a >= b ? a : b);
const earlier = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a <= b ? a : b);

export function scoreInputsOf(c: ContactDraft, facts: ContactFacts): ScoreInputs {
  const lastOrderAt = later(c.lastOrderAt, facts.lastOrderAt ?? null);
  const eventOrders = facts.orderCount ?? 0;
  // A last order time or an order value says there was at least one order.
  const orderCount = Math.max(c.orderCount ?? 0, eventOrders, lastOrderAt !== null || c.orderValue !== null ? 1 : 0);
  const fromEvents = facts.averageOrderValue != null;
  return {
    validity: facts.validity,
    lineType: scoreLineType(c.lineType),
    consecutiveDeliveryFailures: facts.consecutiveDeliveryFailures,
    lastLoginAt: facts.lastLoginAt,
    smsReplies: facts.smsReplies,
    clicks: facts.clicks,
    socialInteractions: facts.socialInteractions ?? 0,
    lastActivityAt: facts.lastActivityAt,
    browseEvents: facts.browseEvents ?? 0,
    lastOrderAt,
    firstOrderAt: earlier(c.firstOrderAt ?? null, facts.firstOrderAt ?? null),
    orderCount,
    averageOrderValue: fromEvents ? facts.averageOrderValue! : c.orderValue,
    orderCurrency: fromEvents ? (facts.orderValueCurrency ?? null) : (c.orderCurrency ?? null),
    // The events' median when they saw every order; else the score derives it from count and span.
    repurchaseIntervalDays: eventOrders >= orderCount || c.firstOrderAt == null ? (facts.repurchaseIntervalDays ?? null) : null,
    categoryMatch: categoryMatchOf(facts.categoryInterest, facts.purchasedCategories),
    complaints: facts.complaints,
    messagesSent: facts.messagesSent,
    messagesRejected: facts.messagesRejected,
    virtualRange: c.lineType === 'voip',
    sameRangeRegistrations: facts.sameRangeRegistrations,
    sameDeviceRegistrations: facts.sameDeviceRegistrations,
  };
}

/**
 * The share (0..1, 4 decimals) of the contact's recent product interest that falls in the
 * preferred categories (those it buys, for the stored score); null when there is no interest or
 * nothing to match it against.
 */
export function categoryMatchOf(interest: Readonly<Record<string, number>> | undefined, preferred: readonly string[] | undefined): number | null {
  if (!interest || !preferred || preferred.length === 0) return null;
  const wanted = new Set(preferred);
  let all = 0;
  let hit = 0;
  for (const [category, n] of Object.entries(interest)) {
    all += n;
    if (wanted.has(category)) hit += n;
  }
  return all === 0 ? null : Math.round((hit / all) * 10_000) / 10_000;
}

/** libphonenumber's type -> the score policy's line type. */
export function scoreLineType(t: PhoneType): LineType {
  switch (t) {
    case 'mobile':
      return 'mobile';
    case 'fixed_line_or_mobile':
      return 'fixed_or_mobile';
    case 'fixed_line':
      return 'fixed';
    case 'voip':
      return 'voip';
    case 'toll_free':
      return 'toll_free';
    case 'premium_rate':
      return 'premium_rate';
    case 'shared_cost':
      return 'shared_cost';
    case 'unknown':
      return 'unknown';
    default:
      return 'other';
  }
}
