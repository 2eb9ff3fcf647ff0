import { DateTime } from 'luxon';
import { holidayRule, noSendReason } from '../holidays';
import { CAMPAIGN_WINDOW_ID, CAMPAIGN_WORKING_DAYS_ID, effectiveWindow, holidayRuleId, type WindowSource } from '../policy/effective';
import { isOpenAt, nextOpening, SendWindowError, type HolidayOption } from '../send-window';

/**
 * When a recipient can be messaged: the intersection of every window that applies (the policy's,
 * the law's, the campaign's) in the recipient's local time, and the holiday calendar of their
 * country and region. Every closed answer names the rule that closed it. Pure.
 */
export type DeferReason = 'cap_reached' | 'quiet_hours' | 'holiday' | 'outside_window' | 'not_started';

export interface TimingSpec {
  /** Every window that applies, most specific law first (core/policy/effective.ts windowSources). */
  sources: readonly WindowSource[];
  holidays: 'defer' | 'skip' | null;
  /** Weekends off too (official make-up workdays on). */
  workingDaysOnly: boolean;
}

export interface Whereabouts {
  country: string | null;
  subdivision: string | null;
  timeZones: readonly string[];
  /** Zones of the whole country, for a number whose own zone is unknown. */
  countryZones: readonly string[];
}

export type TimingAnswer =
  | { open: true }
  | { open: false; until: number; reason: DeferReason; rule: string }
  | { skip: 'holiday' | 'outside_window'; detail: string; rule: string };

/** Window and holiday calendar for a recipient, memoisable by (spec, country, region, zones). */
export interface LocalTiming {
  decide(now: number): TimingAnswer;
}

function calendarOf(w: Whereabouts, spec: TimingSpec): { option: HolidayOption; region: string | null } | undefined {
  const policy = spec.holidays ?? (spec.workingDaysOnly ? 'defer' : null);
  if (!policy || !w.country) return undefined;
  const rule = spec.workingDaysOnly ? 'non-working-days' : 'public-holidays';
  for (const region of w.subdivision ? [w.subdivision, null] : [null]) {
    try {
      return { option: holidayRule(w.country, region, policy, rule), region };
    } catch {
      // no calendar for this region (or country): try the country, else none
    }
  }
  return undefined;
}

export function localTiming(w: Whereabouts, spec: TimingSpec): LocalTiming {
  const effective = effectiveWindow(spec.sources);
  const calendar = calendarOf(w, spec);
  const holidays = calendar?.option;
  const zoneOpts = { countryZones: w.countryZones };
  const holidayName = holidayRuleId(w.country ?? '', calendar?.region ?? null);
  const closingRule = (now: number, kind: string): string => {
    const closed = spec.sources.find((s) => !isOpenAt(now, w.timeZones, s.window, zoneOpts));
    return `${kind}:${(closed ?? spec.sources.at(-1))?.id ?? CAMPAIGN_WINDOW_ID}`;
  };
  /** A day pushed back by the calendar: a public holiday, or a weekend of a working-days-only campaign. */
  const dayRule = (at: Date, zone: string | undefined): string => {
    if (!spec.workingDaysOnly || !w.country || !zone) return holidayName;
    const date = DateTime.fromJSDate(at, { zone }).toISODate();
    return date && noSendReason(w.country, calendar?.region ?? null, date) === null ? `holiday:${CAMPAIGN_WORKING_DAYS_ID}` : holidayName;
  };

  const compute = (now: number): TimingAnswer => {
    if ('conflict' in effective) {
      const ids = effective.conflict;
      return { skip: 'outside_window', detail: `the windows of ${ids.join(', ')} do not overlap`, rule: `outside_window:${ids.includes(CAMPAIGN_WINDOW_ID) ? CAMPAIGN_WINDOW_ID : ids.at(-1)}` };
    }
    const window = effective.window;
    let next;
    try {
      next = nextOpening(now, w.timeZones, window, { ...zoneOpts, ...(holidays ? { holidays } : {}) });
    } catch (err) {
      // No usable zone at all (unknown zone and no country): never guess a local time.
      if (err instanceof SendWindowError) return { skip: 'outside_window', detail: `no local time known: ${err.message}`, rule: 'outside_window:no-local-time' };
      throw err;
    }
    if (next.kind === 'skip') return { skip: 'holiday', detail: next.reason, rule: holidayName };
    if (next.kind === 'none') return { skip: 'outside_window', detail: next.reason, rule: closingRule(now, 'outside_window') };
    if (next.at.getTime() <= now) return { open: true };
    // 'holiday' when the calendar pushed the opening back (also before the window on a holiday);
    // 'quiet_hours' only inside the daily range on an allowed weekday.
    const plain = holidays ? nextOpening(now, w.timeZones, window, zoneOpts) : next;
    if (plain.kind === 'open' && plain.at.getTime() < next.at.getTime())
      return { open: false, until: next.at.getTime(), reason: 'holiday', rule: dayRule(plain.at, plain.zones.zones[0]) };
    const quiet = isOpenAt(now, w.timeZones, { start: window.start, end: window.end, ...(window.days ? { days: window.days } : {}) }, zoneOpts);
    const reason: DeferReason = quiet ? 'quiet_hours' : 'outside_window';
    return { open: false, until: next.at.getTime(), reason, rule: closingRule(now, reason) };
  };
  // A batch decides all its recipients at one instant: the answer for the last instant is kept.
  let lastNow: number | undefined;
  let last: TimingAnswer | undefined;
  return {
    decide(now) {
      if (now !== lastNow || !last) {
        last = compute(now);
        lastNow = now;
      }
      return last;
    },
  };
}
