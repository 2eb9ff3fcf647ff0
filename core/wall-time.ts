// Local wall time <-> UTC instants in an IANA zone, by one rule used everywhere (independent of
// Settings.now and the host zone):
//   - ambiguous (repeated hour on fall-back): the EARLIER instant, i.e. the first occurrence /
//     pre-transition offset (RFC 5545 §3.3.5, zoneinfo fold=0, Temporal disambiguation 'compatible');
//   - nonexistent (skipped hour on spring-forward): read with the pre-transition offset, which moves it
//     forward by the gap length (02:30 in New York on 2026-03-08 -> 03:30 EDT), never inside the gap.
// Pure: no clock reads.
import { IANAZone } from 'luxon';

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** ISO weekday: 1 = Monday … 7 = Sunday (luxon's numbering). */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** A bad window policy, local time or zone (core/send-window.ts; core/campaign/timing.ts catches it). */
export class SendWindowError extends Error {
  override readonly name = 'SendWindowError';
}

function zoneOf(name: string): IANAZone {
  return IANAZone.create(name);
}

/** Epoch ms of local wall time (date + minutes) in zone, by the ambiguity/gap rule above. */
export function wallTimeToUtc(localDate: string, minutes: number, zone: string): number {
  const z = zoneOf(zone);
  if (!z.isValid) throw new SendWindowError(`invalid time zone "${zone}"`);
  const [y, mo, d] = localDate.split('-').map(Number) as [number, number, number];
  const local = Date.UTC(y, mo - 1, d) + minutes * MINUTE_MS; // the wall time read as if it were UTC
  if (!Number.isFinite(local)) throw new SendWindowError(`invalid local date "${localDate}"`);
  // Offsets a day either side bracket any single transition near this wall time.
  const before = z.offset(local - DAY_MS);
  const after = z.offset(local + DAY_MS);
  if (before === after) return local - before * MINUTE_MS; // no transition nearby: the common case
  const valid = [before, after]
    .map((off) => local - off * MINUTE_MS)
    .filter((t) => local - z.offset(t) * MINUTE_MS === t)
    .sort((a, b) => a - b);
  if (valid.length > 0) return valid[0]!; // two valid readings = ambiguous: take the earlier one
  return local - before * MINUTE_MS; // in the gap: pre-transition offset moves it past the gap
}

export function localDateOf(t: number, zone: string): string {
  return new Date(t + zoneOf(zone).offset(t) * MINUTE_MS).toISOString().slice(0, 10);
}

export function addDays(localDate: string, n: number): string {
  const [y, m, d] = localDate.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

export function weekdayOf(localDate: string): IsoWeekday {
  const [y, m, d] = localDate.split('-').map(Number) as [number, number, number];
  return ((new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7 + 1) as IsoWeekday; // Sunday 0 -> 7
}
