// Send windows in the recipient's local time, DST-correct on the target date.
//
// A window policy is a daily range of local wall-clock time [start, end) with optional quiet hours
// cut out of it and optional allowed weekdays. All maths is done on UTC instants: each local date's
// window is converted with the zone's rules for that date, and a recipient with several candidate
// zones gets only the instants that every candidate zone allows (intersection of UTC intervals).
//
// Wall time -> instant follows one rule for ambiguous and skipped local times (core/wall-time.ts).
//
// Pure: no clock reads; the current instant is always a parameter.
import { DateTime, IANAZone } from 'luxon';
import { DAY_MS, addDays, localDateOf, SendWindowError, wallTimeToUtc, weekdayOf, type IsoWeekday } from './wall-time';
import { intersect, normalise, subtract, type Span } from './spans';

export { SendWindowError } from './wall-time';

export type Instant = Date | number;
/** Local wall-clock range 'HH:mm'–'HH:mm', start inclusive, end exclusive; end may be '24:00'. */
export interface TimeRange {
  readonly start: string;
  readonly end: string;
}
export interface WindowPolicy extends TimeRange {
  /** Cut out of the window, e.g. a lunch break 12:00–13:30. */
  readonly quietHours?: readonly TimeRange[];
  /** Local weekdays on which the window opens; all days when absent. */
  readonly days?: readonly IsoWeekday[];
}
/** A UTC interval [start, end). */
export interface UtcInterval {
  readonly start: Date;
  readonly end: Date;
}
/** Caller-supplied no-send calendar: returns a reason when the local date is a no-send day in that zone. */
export type NoSendDay = (localDate: string, zone: string) => string | null;
export interface HolidayOption {
  readonly noSendDay: NoSendDay;
  /** defer: roll over to the next allowed day; skip: if the first opportunity falls on a no-send day, do not send. */
  readonly policy: 'defer' | 'skip';
}
export interface ZoneOptions {
  /** The number's country's zones, used when the recipient's zone is unknown ('Etc/Unknown', empty, invalid). */
  readonly countryZones?: readonly string[];
  readonly holidays?: HolidayOption;
}
export interface NextOpeningOptions extends ZoneOptions {
  /** How far ahead to search; default 21 days (covers week-long holiday blocks plus a weekday filter). */
  readonly horizonDays?: number;
}
export type ZoneInput = string | readonly string[];

export interface ResolvedZones {
  readonly zones: readonly string[];
  /** True when the recipient's zone was unknown and the country's zones are used instead. */
  readonly fallback: boolean;
  readonly reason?: string;
}
export interface DayWindow extends ResolvedZones {
  readonly date: string;
  readonly intervals: readonly UtcInterval[];
  /** Set when intervals is empty: why nothing can be sent on this date. */
  readonly closedReason?: string;
}
export type NextOpening =
  | { readonly kind: 'open'; readonly at: Date; readonly zones: ResolvedZones }
  | { readonly kind: 'skip'; readonly reason: string; readonly zones: ResolvedZones }
  | { readonly kind: 'none'; readonly reason: string; readonly zones: ResolvedZones };


// ---------- policy parsing ----------

/** 'HH:mm' -> minutes after local midnight; '24:00' allowed only as an end. */
function parseTime(value: string, isEnd: boolean): number {
  const m = /^(\d{2}):(\d{2})$/.exec(value);
  const minutes = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  const ok = m !== null && Number(m[2]) < 60 && (minutes < 1440 || (isEnd && minutes === 1440));
  if (!ok) throw new SendWindowError(`invalid local time "${value}" (expected HH:mm${isEnd ? ' or 24:00' : ''})`);
  return minutes;
}

function parseRange(range: TimeRange, what: string): [number, number] {
  const start = parseTime(range.start, false);
  const end = parseTime(range.end, true);
  // Windows crossing local midnight are not supported: split them into two policies instead.
  if (end <= start) throw new SendWindowError(`${what} ${range.start}–${range.end}: end must be after start`);
  return [start, end];
}


// ---------- zones ----------

const UNKNOWN_ZONE = 'Etc/Unknown';

/** The zones to apply: the recipient's own, or all of the country's when the recipient's is unknown. */
export function resolveZones(zone: ZoneInput, countryZones?: readonly string[]): ResolvedZones {
  const given = (typeof zone === 'string' ? [zone] : [...zone]).map((z) => z.trim());
  const problem = given.length === 0 || given.every((z) => z === '')
    ? 'no zone'
    : given.find((z) => z === '' || z === UNKNOWN_ZONE || !IANAZone.create(z).isValid);
  if (problem === undefined) return { zones: [...new Set(given)], fallback: false };
  const reason = problem === 'no zone' ? 'no zone' : `unknown zone "${problem}"`;
  const country = [...new Set((countryZones ?? []).map((z) => z.trim()))];
  if (country.length === 0 || country.some((z) => z === UNKNOWN_ZONE || !IANAZone.create(z).isValid)) {
    throw new SendWindowError(`${reason} and no valid country zone list to fall back on`);
  }
  // Unknown location: only instants allowed in every zone of the country are safe (strictest window).
  return { zones: country, fallback: true, reason: `${reason}: using all ${country.length} zones of the country` };
}

// ---------- per-zone windows ----------

interface Compiled {
  window: [number, number];
  quiet: [number, number][];
  days: ReadonlySet<IsoWeekday> | null;
}

function compile(policy: WindowPolicy): Compiled {
  return {
    window: parseRange(policy, 'window'),
    quiet: (policy.quietHours ?? []).map((q) => parseRange(q, 'quiet hours')),
    days: policy.days ? new Set(policy.days) : null,
  };
}

/** Why a zone's window is closed all day on localDate, or null when the daily window applies. */
function closedReason(localDate: string, zone: string, c: Compiled, noSend?: NoSendDay): string | null {
  if (c.days && !c.days.has(weekdayOf(localDate))) return `weekday not allowed in ${zone}`;
  const reason = noSend?.(localDate, zone) ?? null;
  return reason === null ? null : `no-send day in ${zone}: ${reason}`;
}

/** The zone's window on one local date as UTC spans (quiet hours removed), ignoring days/no-send rules. */
function dailySpans(localDate: string, zone: string, c: Compiled): Span[] {
  let spans: Span[] = [{ s: wallTimeToUtc(localDate, c.window[0], zone), e: wallTimeToUtc(localDate, c.window[1], zone) }];
  for (const [qs, qe] of c.quiet) {
    spans = subtract(spans, { s: wallTimeToUtc(localDate, qs, zone), e: wallTimeToUtc(localDate, qe, zone) });
  }
  return normalise(spans);
}

/** All allowed UTC spans of one zone that overlap [from, to). */
function zoneSpans(zone: string, c: Compiled, from: number, to: number, noSend?: NoSendDay): Span[] {
  const spans: Span[] = [];
  // A local date's window lies inside that local day, so only the dates [from, to) touches matter.
  const last = localDateOf(to - 1, zone);
  for (let d = localDateOf(from, zone); d <= last; d = addDays(d, 1)) {
    if (closedReason(d, zone, c, noSend) === null) spans.push(...dailySpans(d, zone, c));
  }
  return intersect(normalise(spans), [{ s: from, e: to }]);
}

/** Instants in [from, to) that every zone allows. */
function commonSpans(zones: readonly string[], c: Compiled, from: number, to: number, noSend?: NoSendDay): Span[] {
  let acc: Span[] = [{ s: from, e: to }];
  for (const z of zones) {
    acc = intersect(acc, zoneSpans(z, c, from, to, noSend));
    if (acc.length === 0) break;
  }
  return acc;
}

function toMs(instant: Instant): number {
  const t = typeof instant === 'number' ? instant : instant.getTime();
  if (!Number.isFinite(t)) throw new SendWindowError('invalid instant');
  return t;
}

const toInterval = (x: Span): UtcInterval => ({ start: new Date(x.s), end: new Date(x.e) });

// ---------- public API ----------

/** Is the window open at this instant for the recipient (in every candidate zone, holidays applied)? */
export function isOpenAt(instant: Instant, zone: ZoneInput, policy: WindowPolicy, opts: ZoneOptions = {}): boolean {
  const t = toMs(instant);
  const resolved = resolveZones(zone, opts.countryZones);
  return commonSpans(resolved.zones, compile(policy), t, t + 1, opts.holidays?.noSendDay).length > 0;
}

/**
 * The UTC intervals in which the window is open on a local calendar date. With one zone this is the
 * window of that date; with several, the instants every zone allows while at least one of them is on
 * that date (zones either side of the date line can share a slot on different local dates).
 */
export function windowOnDate(localDate: string, zone: ZoneInput, policy: WindowPolicy, opts: ZoneOptions = {}): DayWindow {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(localDate) || !DateTime.fromISO(localDate, { zone: 'utc' }).isValid) {
    throw new SendWindowError(`invalid local date "${localDate}"`);
  }
  const c = compile(policy);
  const resolved = resolveZones(zone, opts.countryZones);
  const noSend = opts.holidays?.noSendDay;
  const days = normalise(resolved.zones.map((z) => ({ s: wallTimeToUtc(localDate, 0, z), e: wallTimeToUtc(addDays(localDate, 1), 0, z) })));
  const from = days[0]!.s;
  const to = days[days.length - 1]!.e;
  const spans = intersect(commonSpans(resolved.zones, c, from, to, noSend), days);
  const base = { ...resolved, date: localDate, intervals: spans.map(toInterval) };
  if (spans.length > 0) return base;
  const closed = resolved.zones.map((z) => closedReason(localDate, z, c, noSend)).find((r) => r !== null);
  const closedReasonText = closed
    ?? `empty intersection: no instant on ${localDate} is inside ${policy.start}–${policy.end} in all ${resolved.zones.length} zones`;
  return { ...base, closedReason: closedReasonText };
}

/**
 * The first instant >= now at which the window is open (now itself when open). Holidays with policy
 * 'defer' roll over to the next allowed day; with 'skip', if the first opportunity ignoring holidays
 * falls on a no-send day in any candidate zone, the result is { kind: 'skip' } (do not send).
 */
export function nextOpening(instant: Instant, zone: ZoneInput, policy: WindowPolicy, opts: NextOpeningOptions = {}): NextOpening {
  const now = toMs(instant);
  const c = compile(policy);
  const resolved = resolveZones(zone, opts.countryZones);
  const horizon = now + (opts.horizonDays ?? 21) * DAY_MS;
  const holidays = opts.holidays;

  const first = (noSend?: NoSendDay): number | null => {
    // Search in two-day chunks: almost every answer lies in the first one.
    for (let from = now; from < horizon; from += 2 * DAY_MS) {
      const found = commonSpans(resolved.zones, c, from, Math.min(from + 2 * DAY_MS, horizon), noSend)[0];
      if (found) return found.s;
    }
    return null;
  };

  if (holidays?.policy === 'skip') {
    const plain = first();
    if (plain !== null) {
      for (const z of resolved.zones) {
        const date = localDateOf(plain, z);
        const reason = holidays.noSendDay(date, z);
        if (reason !== null) return { kind: 'skip', reason: `no-send day ${date} in ${z}: ${reason}`, zones: resolved };
      }
      return { kind: 'open', at: new Date(plain), zones: resolved };
    }
  } else {
    const at = first(holidays?.noSendDay);
    if (at !== null) return { kind: 'open', at: new Date(at), zones: resolved };
  }
  const days = opts.horizonDays ?? 21;
  return {
    kind: 'none',
    reason: `no instant in the next ${days} days is inside ${policy.start}–${policy.end} in all ${resolved.zones.length} zone(s)`,
    zones: resolved,
  };
}
