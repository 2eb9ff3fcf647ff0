// Public holidays and working days per country (and region), for "is this local date a no-send day".
//
// Source: date-holidays (type "public" only: no observances, bank or optional days), corrected by
//   1. scope filters: what date-holidays calls "public" but is not a general day off here, and
//   2. a dated override table citing the official source, where the library is wrong or incomplete.
// China: the State Council publishes each year's 放假调休 arrangement (blocks of days off that include
// weekdays, plus weekend days that become working days). A year with a loaded notice uses it verbatim;
// a year without one falls back to the statutory days of 全国年节及纪念日放假办法 (2024 revision) and is
// marked basis 'statutory-rules' so callers know the 调休 arrangement is not known yet.
//
// Dates are local calendar dates 'YYYY-MM-DD' in the country. Pure: no clock reads.
import Holidays from 'date-holidays';
import type { HolidayOption } from './send-window';

export type CalendarBasis = 'official-notice' | 'library' | 'statutory-rules' | 'unsupported';
export interface Holiday {
  readonly date: string;
  readonly name: string;
  /** A substitute weekday for a holiday that fell on a weekend. */
  readonly observed: boolean;
  readonly source: string;
}
export interface DayStatus {
  readonly date: string;
  readonly country: string;
  readonly region: string | null;
  readonly holiday: Holiday | null;
  readonly weekend: boolean;
  /** CN 调休上班: a Saturday/Sunday that is an ordinary working day. */
  readonly makeupWorkday: boolean;
  readonly workingDay: boolean;
  readonly basis: CalendarBasis;
}
/** Which days a campaign avoids: public holidays only (marketing default), or every non-working day. */
export type NoSendRule = 'public-holidays' | 'non-working-days';

export class HolidayError extends Error {
  override readonly name = 'HolidayError';
}

// ---------- dated overrides (official source beats the library) ----------

interface YearOverride {
  readonly country: string;
  readonly year: number;
  readonly source: string;
  /** Replace the library's list for the year with these [first, last, name] blocks of days off. */
  readonly daysOff?: readonly (readonly [string, string, string])[];
  /** Weekend days that are working days (CN 调休上班). */
  readonly makeupWorkdays?: readonly string[];
  readonly remove?: readonly string[];
  readonly add?: readonly (readonly [string, string])[];
}

const CN_2026 = '国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04, Xinhua; https://politics.gmw.cn/2025-11/04/content_38391083.htm; checked 2026-11-25)';
const SG_2027 = 'MOM press release 2026-06-18 "Public holidays for 2027" (https://www.mom.gov.sg/newsroom/press-releases/2026/0618-public-holidays-for-2027), as encoded by python-holidays 0.109; checked 2026-11-25';

const OVERRIDES: readonly YearOverride[] = [
  {
    // date-holidays ignores the 调休 arrangement and uses pre-2025 rules (misses 21 days off in 2026).
    country: 'CN', year: 2026, source: CN_2026,
    daysOff: [
      ['2026-01-01', '2026-01-03', "元旦 New Year's Day"],
      ['2026-02-15', '2026-02-23', '春节 Spring Festival'],
      ['2026-04-04', '2026-04-06', '清明节 Qingming Festival (Tomb-sweeping Day)'],
      ['2026-05-01', '2026-05-05', '劳动节 Labour Day'],
      ['2026-06-19', '2026-06-21', '端午节 Dragon Boat Festival'],
      ['2026-09-25', '2026-09-27', '中秋节 Mid-Autumn Festival'],
      ['2026-10-01', '2026-10-07', '国庆节 National Day'],
    ],
    makeupWorkdays: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
  },
  {
    // date-holidays computes the Islamic dates one day early and has no Vesak Day for 2027.
    country: 'SG', year: 2027, source: SG_2027,
    remove: ['2027-03-09', '2027-05-16'],
    add: [['2027-03-10', 'Hari Raya Puasa'], ['2027-05-17', 'Hari Raya Haji'], ['2027-05-20', 'Vesak Day']],
  },
];

// ---------- scope filters on the library's "public" entries, by the library's rule text ----------

interface LibEntry {
  date: string;
  type: string;
  name: string;
  rule: string;
  substitute?: boolean;
  start: Date;
  end: Date;
}

const SCOPE: Readonly<Record<string, (e: LibEntry) => boolean>> = {
  // Women's/Youth Day (half day for some), Children's Day, Army Day apply to parts of the population only.
  CN: (e) => !/^(03-08|05-04|06-01|08-01)\b/.test(e.rule),
  // Election Sundays: not in Lei 10.607/2002's list of national holidays (TST: not a holiday).
  BR: (e) => !/in even years/.test(e.rule),
  // Only the three national holidays; gazetted religious holidays vary by state and year.
  IN: (e) => /^(01-26|08-15|10-02)$/.test(e.rule),
};

// date-holidays encodes the 2008 rules (春节 = 除夕..初二, 劳动节 1 day); the 2024 revision in force
// from 2025 adds 正月初三 and 5月2日 (13 statutory days; see the CN note in test/fixtures/holidays.json).
const CN_STATUTORY_EXTRA = (entries: readonly Holiday[], year: number): Holiday[] => {
  const src = '全国年节及纪念日放假办法 (2024 revision, in force 2025-01-01)';
  const secondDay = entries.find((h) => h.name === 'Spring Festival' && h.source.includes('chinese 01-0-02'));
  const extra: Holiday[] = [{ date: `${year}-05-02`, name: 'Labour Day', observed: false, source: src }];
  if (secondDay) extra.push({ date: addDays(secondDay.date, 1), name: 'Spring Festival', observed: false, source: src });
  return extra;
};

// ---------- calendar assembly ----------

function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

function parseDate(localDate: string): { year: number; weekday: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(localDate);
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || new Date(t).toISOString().slice(0, 10) !== localDate) throw new HolidayError(`invalid local date "${localDate}"`);
  return { year: Number(m[1]), weekday: new Date(t).getUTCDay() };
}

interface YearCalendar {
  holidays: Map<string, Holiday>;
  makeup: Set<string>;
  basis: CalendarBasis;
}

const libraries = new Map<string, Holidays | null>();
const years = new Map<string, YearCalendar>();

function library(country: string, region: string | null): Holidays | null {
  const key = `${country}|${region ?? ''}`;
  if (!libraries.has(key)) {
    const probe = new Holidays();
    const supported = country in (probe.getCountries() ?? {});
    if (supported && region !== null && !(region in (probe.getStates(country) ?? {}))) {
      throw new HolidayError(`unknown region "${region}" for ${country}`);
    }
    const hd = supported ? (region === null ? new Holidays(country) : new Holidays(country, region)) : null;
    hd?.setLanguages('en');
    libraries.set(key, hd);
  }
  return libraries.get(key)!;
}

function fromLibrary(hd: Holidays, country: string, year: number): Holiday[] {
  const keep = SCOPE[country] ?? (() => true);
  const entries = (hd.getHolidays(year) as LibEntry[]).filter((e) => e.type === 'public' && keep(e));
  // The library writes some in-lieu days as a bare dated entry (SG Vesak Day 2026-06-01) with the
  // holiday's own name and no substitute flag: same name on the previous (Sun)day means observed.
  const inLieu = (e: LibEntry): boolean => /^\d{4}-\d{2}-\d{2}$/.test(e.rule)
    && entries.some((p) => p.name === e.name && p.date.slice(0, 10) === addDays(e.date.slice(0, 10), -1));
  return entries
    .flatMap((e) => {
      // A multi-day entry covers every local date it spans (round: DST can make a day 23 or 25 h).
      const days = Math.max(1, Math.round((e.end.getTime() - e.start.getTime()) / 86_400_000));
      return Array.from({ length: days }, (_, i) => ({
        date: addDays(e.date.slice(0, 10), i),
        name: e.name,
        observed: e.substitute === true || inLieu(e),
        source: `date-holidays 3.37 (${e.rule})`,
      }));
    });
}

function buildYear(country: string, region: string | null, year: number): YearCalendar {
  const hd = library(country, region);
  if (!hd) return { holidays: new Map(), makeup: new Set(), basis: 'unsupported' };
  const override = OVERRIDES.find((o) => o.country === country && o.year === year);
  let list: Holiday[];
  let basis: CalendarBasis = 'library';
  if (override?.daysOff) {
    basis = 'official-notice';
    list = override.daysOff.flatMap(([first, last, name]) => {
      const out: Holiday[] = [];
      for (let d = first; d <= last; d = addDays(d, 1)) out.push({ date: d, name, observed: false, source: override.source });
      return out;
    });
  } else {
    list = fromLibrary(hd, country, year);
    if (country === 'CN') {
      basis = 'statutory-rules';
      if (year >= 2025) list.push(...CN_STATUTORY_EXTRA(list, year));
    }
  }
  if (override?.remove) list = list.filter((h) => !override.remove!.includes(h.date));
  for (const [date, name] of override?.add ?? []) list.push({ date, name, observed: false, source: override!.source });

  const holidays = new Map<string, Holiday>();
  for (const h of list) {
    const prev = holidays.get(h.date);
    // Two holidays on one date: keep both names; the day is observed only if both entries are.
    holidays.set(h.date, prev ? { ...prev, name: `${prev.name} / ${h.name}`, observed: prev.observed && h.observed } : h);
  }
  return { holidays, makeup: new Set(override?.makeupWorkdays ?? []), basis };
}

function calendar(country: string, region: string | null, year: number): YearCalendar {
  const key = `${country}|${region ?? ''}|${year}`;
  let cal = years.get(key);
  if (!cal) {
    cal = buildYear(country, region, year);
    years.set(key, cal);
  }
  return cal;
}

function normaliseArgs(country: string, region?: string | null): [string, string | null] {
  const c = country.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(c)) throw new HolidayError(`invalid country code "${country}"`);
  let r = region?.trim().toUpperCase() || null;
  if (r?.startsWith(`${c}-`)) r = r.slice(c.length + 1); // accept ISO 3166-2 'AU-NSW' as well as 'NSW'
  return [c, r];
}

// ---------- public API ----------

/** Everything known about one local date in a country (region: a date-holidays state code, e.g. 'NSW'). */
export function dayStatus(country: string, region: string | null | undefined, localDate: string): DayStatus {
  const [c, r] = normaliseArgs(country, region);
  const { year, weekday } = parseDate(localDate);
  const cal = calendar(c, r, year);
  // A substitute day can sit in the neighbouring year's list (US: 2027-12-31 for New Year 2028).
  const holiday = cal.holidays.get(localDate) ?? calendar(c, r, year + 1).holidays.get(localDate) ?? null;
  const weekend = weekday === 0 || weekday === 6;
  const makeupWorkday = cal.makeup.has(localDate);
  return {
    date: localDate, country: c, region: r, holiday, weekend, makeupWorkday,
    workingDay: holiday === null && (!weekend || makeupWorkday), basis: cal.basis,
  };
}

export function isPublicHoliday(country: string, region: string | null | undefined, localDate: string): boolean {
  return dayStatus(country, region, localDate).holiday !== null;
}

export function holidayName(country: string, region: string | null | undefined, localDate: string): string | null {
  return dayStatus(country, region, localDate).holiday?.name ?? null;
}

export function isWorkingDay(country: string, region: string | null | undefined, localDate: string): boolean {
  return dayStatus(country, region, localDate).workingDay;
}

/** Why localDate is a no-send day under the rule, or null when sending is allowed that day. */
export function noSendReason(
  country: string,
  region: string | null | undefined,
  localDate: string,
  rule: NoSendRule = 'public-holidays',
): string | null {
  const s = dayStatus(country, region, localDate);
  if (s.holiday) return `public holiday: ${s.holiday.name}`;
  if (rule === 'non-working-days' && !s.workingDay) return 'weekend';
  return null;
}

/** The holiday option for send-window's isOpenAt / windowOnDate / nextOpening. */
export function holidayRule(
  country: string,
  region: string | null | undefined,
  policy: HolidayOption['policy'],
  rule: NoSendRule = 'public-holidays',
): HolidayOption {
  const [c, r] = normaliseArgs(country, region);
  library(c, r); // fail fast on an unknown region
  return { policy, noSendDay: (localDate) => noSendReason(c, r, localDate, rule) };
}

/** All holidays of a year, sorted (for listings and tests). */
export function holidaysInYear(country: string, region: string | null | undefined, year: number): { basis: CalendarBasis; holidays: Holiday[]; makeupWorkdays: string[] } {
  const [c, r] = normaliseArgs(country, region);
  const cal = calendar(c, r, year);
  return {
    basis: cal.basis,
    holidays: [...cal.holidays.values()].sort((a, b) => a.date.localeCompare(b.date)),
    makeupWorkdays: [...cal.makeup].sort(),
  };
}
