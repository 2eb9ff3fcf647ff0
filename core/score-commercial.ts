/**
 * The commercial part of the score: what the customer's orders say. Recency of the last order,
 * frequency (orders placed), lifetime value, average order value, the repurchase interval and the
 * category match, each a part with its rule. Order values in another currency are converted into
 * the policy's reference currency with its dated rate table (policy `currencies`).
 *
 * Pure: no I/O, no clock (`nowMs` is a parameter).
 */
import type { OrderCurrency } from './event-fold';
import type { ScoreInputs } from './score';
import { ageDays, amountOf, countOf, DAY_MS, fmt, isoOf, round2, signed, toMillis, type ScorePart } from './score-parts';
import type { ScorePolicy } from './score-policy';

/** A rate into the reference currency and the date of its table (null: no conversion needed). */
export interface Rate {
  rate: number;
  from: string | null;
}

/**
 * The rate of `currency` into the policy's reference currency for an order at `atMs`: the latest
 * table from on or before that date that has the currency (the earliest one that has it, for an
 * older order; the latest one when the date is unknown). The reference currency, no currency, or
 * a policy without a rate table (v1 read every amount as the reference currency): 1. null: the
 * policy has a table but no rate for this currency.
 */
export function rateOf(policy: ScorePolicy, currency: string | null | undefined, atMs: number | null): Rate | null {
  if (!currency || currency === policy.referenceCurrency || !policy.currencies) return { rate: 1, from: null };
  let pick: { from: string; perUnit: Record<string, number> } | null = null;
  for (const t of policy.currencies.rates) {
    if (t.perUnit[currency] === undefined) continue;
    if (pick === null || atMs === null || Date.parse(t.from) <= atMs) pick = t;
  }
  return pick ? { rate: pick.perUnit[currency]!, from: pick.from } : null;
}

/** An amount in `currency` at `at` (ISO instant) in the reference currency; null = no rate for it. */
export function toReference(policy: ScorePolicy, amount: number, currency: string | null | undefined, at: string | null): number | null {
  const r = rateOf(policy, currency, at === null ? null : Date.parse(at));
  return r ? round2(amount * r.rate) : null;
}

/** The events fold's conversion of order lines (a purchase's `currency`, none = the reference); none under a policy without rates. */
export function orderCurrencyOf(policy: ScorePolicy): OrderCurrency | undefined {
  if (!policy.currencies) return undefined;
  return { code: policy.referenceCurrency, toReference: (amount, currency, at) => toReference(policy, amount, currency, at) };
}

/** The contact's order values in the reference currency, and how they were converted. */
export interface OrderValues {
  average: number | null;
  total: number | null;
  /** ' (129 CNY at 0.142 of 2026-01-01)', '' when nothing was converted. */
  conversion: string;
  /** A currency the policy has no rate for: the values are not scored. */
  unconvertible: string | null;
}

export function orderValuesOf(inputs: ScoreInputs, policy: ScorePolicy): OrderValues {
  const avg = amountOf(inputs, 'averageOrderValue');
  const given = amountOf(inputs, 'totalOrderValue');
  const count = countOf(inputs, 'orderCount');
  const total = given ?? (avg !== null ? avg * Math.max(count, 1) : null);
  const currency = inputs.orderCurrency ?? null;
  if (currency !== null && !/^[A-Z]{3}$/.test(currency)) throw new RangeError(`orderCurrency: expected an ISO 4217 code, got ${JSON.stringify(currency)}`);
  const at = inputs.lastOrderAt == null ? null : toMillis('lastOrderAt', inputs.lastOrderAt);
  const r = rateOf(policy, currency, at);
  if (r === null) return { average: null, total: null, conversion: '', unconvertible: currency };
  const conversion = r.from === null ? '' : ` (${currency} at ${r.rate} of ${r.from})`;
  return { average: avg === null ? null : round2(avg * r.rate), total: total === null ? null : round2(total * r.rate), conversion, unconvertible: null };
}

/** Typical days between orders: given, or the span from first to last order over (orders - 1). */
export function repurchaseIntervalOf(inputs: ScoreInputs): { days: number; derived: string | null } | null {
  const given = amountOf(inputs, 'repurchaseIntervalDays');
  if (given !== null) return { days: given, derived: null };
  const n = countOf(inputs, 'orderCount');
  if (n < 2 || inputs.firstOrderAt == null || inputs.lastOrderAt == null) return null;
  const span = (toMillis('lastOrderAt', inputs.lastOrderAt) - toMillis('firstOrderAt', inputs.firstOrderAt)) / DAY_MS;
  if (span <= 0) return null;
  return { days: round2(span / (n - 1)), derived: `${n} orders in ${fmt(round2(span))} days` };
}

const part = (input: keyof ScoreInputs, rule: string, value: ScorePart['value'], points: number, note: string): ScorePart => ({
  group: 'commercial',
  input,
  value,
  points,
  rule,
  note,
});

/** The commercial parts, in policy order. v1 policies have no recency, frequency or lifetime-value rules. */
export function commercialParts(inputs: ScoreInputs, policy: ScorePolicy, nowMs: number): ScorePart[] {
  const cp = policy.commercial;
  const cur = policy.referenceCurrency;
  const parts: ScorePart[] = [];
  const values = orderValuesOf(inputs, policy);
  const orders = countOf(inputs, 'orderCount');

  if (cp.recency) {
    if (inputs.lastOrderAt == null) parts.push(part('lastOrderAt', 'commercial.recency', null, 0, 'no order date known: +0'));
    else {
      const age = ageDays(nowMs, 'lastOrderAt', inputs.lastOrderAt);
      const band = cp.recency.find((b) => age <= b.withinDays);
      const note = band ? `last order ${fmt(round2(age))} days ago <= ${fmt(band.withinDays)}: ${signed(band.points)}` : `last order ${fmt(round2(age))} days ago: older than every band, +0`;
      parts.push(part('lastOrderAt', 'commercial.recency', isoOf('lastOrderAt', inputs.lastOrderAt), band?.points ?? 0, note));
    }
  }
  if (cp.frequency) {
    const band = cp.frequency.findLast((b) => orders >= b.atLeast);
    parts.push(part('orderCount', 'commercial.frequency', orders, band?.points ?? 0, band ? `${orders} orders >= ${band.atLeast}: ${signed(band.points)}` : `${orders} order(s): below every band, +0`));
  }
  const unconvertible = values.unconvertible ? `order values in ${values.unconvertible}, which has no rate in the policy: not scored, +0` : null;
  if (cp.lifetimeValue) {
    const v = values.total;
    const band = v === null ? undefined : cp.lifetimeValue.findLast((b) => v >= b.atLeast);
    const note =
      unconvertible ?? (v === null ? 'no order value: +0' : `lifetime value ${fmt(v)} ${cur}${values.conversion} ${band ? `>= ${fmt(band.atLeast)}: ${signed(band.points)}` : 'below every band: +0'}`);
    parts.push(part('totalOrderValue', 'commercial.lifetimeValue', v, band?.points ?? 0, note));
  }
  {
    const v = values.average;
    const band = v === null ? undefined : cp.averageOrderValue.findLast((b) => v >= b.atLeast);
    const note =
      unconvertible ??
      (v === null ? 'no orders' : band ? `average order ${fmt(v)} ${cur}${values.conversion} >= ${fmt(band.atLeast)}: ${signed(band.points)}` : `average order ${fmt(v)} ${cur}${values.conversion} below every band: +0`);
    parts.push(part('averageOrderValue', 'commercial.averageOrderValue', v, band?.points ?? 0, note));
  }
  const interval = repurchaseIntervalOf(inputs);
  if (interval === null) parts.push(part('repurchaseIntervalDays', 'commercial.repurchaseIntervalDays', null, 0, 'fewer than two orders: no repurchase interval'));
  else {
    const band = cp.repurchaseIntervalDays.find((b) => interval.days <= b.atMost);
    const how = interval.derived ? ` (${interval.derived})` : '';
    const note = band ? `repurchases every ${fmt(interval.days)} days${how} <= ${fmt(band.atMost)}: ${signed(band.points)}` : `repurchases every ${fmt(interval.days)} days${how}: slower than every band, +0`;
    parts.push(part('repurchaseIntervalDays', 'commercial.repurchaseIntervalDays', interval.days, band?.points ?? 0, note));
  }
  const match = amountOf(inputs, 'categoryMatch', 1);
  const mp = round2((match ?? 0) * cp.categoryMatch.maxPoints);
  parts.push(
    part('categoryMatch', 'commercial.categoryMatch', match, mp, match == null ? 'category match unknown: +0' : `category match ${fmt(round2(match))} x ${fmt(cp.categoryMatch.maxPoints)} = ${signed(mp)}`),
  );
  return parts;
}
