/**
 * The explanation of a score: one part per rule (which input, which value, which policy rule, how
 * many points, one line a human can read), and the helpers every group of rules builds its parts
 * with. Parts are rounded to 0.01 and summed in integer hundredths, so they add up to the total.
 *
 * Pure: no I/O, no clock.
 */
import { LINE_TYPES, VALIDITY_STATUSES } from './score-policy';
import type { ScoreInputs } from './score';

export type ScoreGroup = 'reachability' | 'activity' | 'commercial' | 'risk';

export interface ScorePart {
  group: ScoreGroup;
  /** The input field this part is about. */
  input: keyof ScoreInputs;
  /** The input value as used (instants as ISO strings). */
  value: string | number | boolean | null;
  /** Points this part adds (negative for penalties and risk), rounded to 0.01. */
  points: number;
  /** The policy rule applied, as its path in the policy file. */
  rule: string;
  /** One line a human can read. */
  note: string;
}

/** An instant: a Date, or an ISO 8601 string WITH an offset or Z (no host-time-zone guessing). */
export type Instant = Date | string;

export const DAY_MS = 86_400_000;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

export const round2 = (x: number): number => Math.round(x * 100) / 100 + 0; // +0 turns -0 into 0
export const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(2).replace(/0$/, ''));
export const signed = (x: number): string => (x >= 0 ? `+${fmt(x)}` : fmt(x));

export function toMillis(name: string, v: Instant): number {
  if (v instanceof Date) {
    const t = v.getTime();
    if (Number.isNaN(t)) throw new RangeError(`${name}: invalid Date`);
    return t;
  }
  if (typeof v !== 'string' || !ISO_WITH_OFFSET.test(v)) {
    throw new RangeError(`${name}: expected an ISO 8601 instant with offset or Z, got ${JSON.stringify(v)}`);
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new RangeError(`${name}: invalid instant ${JSON.stringify(v)}`);
  return t;
}

export const ageDays = (nowMs: number, name: string, v: Instant): number => Math.max(0, (nowMs - toMillis(name, v)) / DAY_MS);
export const isoOf = (name: string, v: Instant): string => new Date(toMillis(name, v)).toISOString();

export function countOf(inputs: ScoreInputs, name: keyof ScoreInputs): number {
  const v = inputs[name] ?? 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new RangeError(`${name}: expected a non-negative integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

export function amountOf(inputs: ScoreInputs, name: keyof ScoreInputs, max = Infinity): number | null {
  const v = inputs[name];
  if (v == null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max) {
    throw new RangeError(`${name}: expected a number in [0, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

export function checkEnums(inputs: ScoreInputs): void {
  if (!(VALIDITY_STATUSES as readonly string[]).includes(inputs.validity)) {
    throw new RangeError(`validity: expected one of ${VALIDITY_STATUSES.join(', ')}, got ${JSON.stringify(inputs.validity)}`);
  }
  if (!(LINE_TYPES as readonly string[]).includes(inputs.lineType)) {
    throw new RangeError(`lineType: expected one of ${LINE_TYPES.join(', ')}, got ${JSON.stringify(inputs.lineType)}`);
  }
}

export function perCountPart(
  group: ScoreGroup,
  input: keyof ScoreInputs,
  rule: string,
  n: number,
  r: { pointsEach: number; max: number },
  noun: string,
): ScorePart {
  const p = round2(Math.min(n * r.pointsEach, r.max));
  const capped = n * r.pointsEach > r.max ? ` (capped at ${fmt(r.max)})` : '';
  return { group, input, value: n, points: p, rule, note: `${n} ${noun} x ${fmt(r.pointsEach)} = ${signed(p)}${capped}` };
}

/** Exact sum of parts (of one group, if given) already rounded to 0.01 (in integer hundredths, no float drift). */
export function sumPoints(parts: readonly ScorePart[], group?: ScoreGroup): number {
  let hundredths = 0;
  for (const p of parts) if (group === undefined || p.group === group) hundredths += Math.round(p.points * 100);
  return round2(hundredths / 100);
}
