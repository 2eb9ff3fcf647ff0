import { afterEach, describe, expect, it } from 'vitest';
import { DateTime, Settings } from 'luxon';
import vectors from '../fixtures/send_windows.json';
import {
  isOpenAt,
  nextOpening,
  resolveZones,
  SendWindowError,
  windowOnDate,
  type HolidayOption,
  type WindowPolicy,
} from '../../core/send-window';
import { wallTimeToUtc } from '../../core/wall-time';
import { holidayRule } from '../../core/holidays';

interface Boundary {
  kind: 'ambiguous' | 'nonexistent';
  luxon?: string;
  zoneinfo_fold0_earlier?: string;
  zoneinfo_fold1_later?: string;
  luxon_when_now_in_standard_time?: string;
  luxon_when_now_in_dst?: string;
}
interface WindowCase {
  id: string;
  zone: string;
  date: string;
  window: { start: string; end: string };
  utc_start: string;
  utc_end: string;
  start_boundary?: Boundary;
  end_boundary?: Boundary;
}
interface NextCase {
  id: string;
  zone: string;
  window: { start: string; end: string };
  now_utc: string;
  next_open_utc: string;
}

const cases = vectors.cases as WindowCase[];
const nextCases = vectors.next_open_cases as NextCase[];
const iso = (d: Date): string => d.toISOString().replace('.000Z', 'Z');
const ms = (s: string): number => Date.parse(s);

// Two seasons (the vector's own pins) and two host zones: none may change any result.
const ENVIRONMENTS = [
  { label: 'now=January, host zone UTC', now: ms('2026-01-15T12:00:00Z'), zone: 'UTC' },
  { label: 'now=July, host zone Kiritimati', now: ms('2026-07-15T12:00:00Z'), zone: 'Pacific/Kiritimati' },
] as const;

afterEach(() => {
  Settings.now = () => Date.now();
  Settings.defaultZone = 'system';
});

function inEnv<T>(env: (typeof ENVIRONMENTS)[number], fn: () => T): T {
  Settings.now = () => env.now;
  Settings.defaultZone = env.zone;
  try {
    return fn();
  } finally {
    Settings.now = () => Date.now();
    Settings.defaultZone = 'system';
  }
}

describe('fixture', () => {
  it('keeps its source', () => {
    expect(vectors.source.luxon).toContain('luxon 3.7.2');
    expect(cases.length).toBe(40);
    expect(nextCases.length).toBe(24);
  });
});

describe('windowOnDate: every vector case, under both season pins', () => {
  for (const env of ENVIRONMENTS) {
    describe(env.label, () => {
      it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
        const got = inEnv(env, () => windowOnDate(c.date, c.zone, c.window));
        expect(got.fallback).toBe(false);
        expect(got.intervals.map((i) => [iso(i.start), iso(i.end)])).toEqual([[c.utc_start, c.utc_end]]);
      });
    });
  }
});

describe('DST boundaries', () => {
  const ambiguous = cases.filter((c) => c.start_boundary?.kind === 'ambiguous');
  const gaps = cases.filter((c) => c.start_boundary?.kind === 'nonexistent' || c.end_boundary?.kind === 'nonexistent');

  it('the vectors contain both kinds', () => {
    expect(ambiguous.length).toBe(5);
    expect(gaps.length).toBe(6);
  });

  it.each(ambiguous.map((c) => [c.id, c] as const))(
    '%s: repeated local time -> the earlier instant, whatever the season the code runs in',
    (_id, c) => {
      const b = c.start_boundary!;
      const [h, m] = c.window.start.split(':').map(Number) as [number, number];
      for (const env of ENVIRONMENTS) {
        expect(inEnv(env, () => iso(new Date(wallTimeToUtc(c.date, h * 60 + m, c.zone))))).toBe(b.zoneinfo_fold0_earlier);
      }
      // Why the explicit rule exists: plain luxon flips with Settings.now (values recorded in the vector).
      const naive = (now: number): string => {
        Settings.now = () => now;
        const [y, mo, d] = c.date.split('-').map(Number) as [number, number, number];
        return DateTime.fromObject({ year: y, month: mo, day: d, hour: h, minute: m }, { zone: c.zone }).toUTC().toISO({ suppressMilliseconds: true })!;
      };
      const seasons = [naive(ms('2026-01-15T12:00:00Z')), naive(ms('2026-07-15T12:00:00Z'))].sort();
      expect(seasons).toEqual([b.luxon_when_now_in_dst, b.luxon_when_now_in_standard_time].sort());
      expect(seasons[0]).not.toBe(seasons[1]);
    },
  );

  it.each(gaps.map((c) => [c.id, c] as const))('%s: a skipped local time moves forward past the gap', (_id, c) => {
    const b = (c.start_boundary ?? c.end_boundary)!;
    const isStart = c.start_boundary !== undefined;
    const w = windowOnDate(c.date, c.zone, c.window).intervals[0]!;
    const got = iso(isStart ? w.start : w.end);
    expect(got).toBe(b.luxon);
    // The instant really is after the transition: its local reading is past the requested wall time.
    const local = DateTime.fromISO(got, { zone: c.zone });
    const requested = isStart ? c.window.start : c.window.end;
    expect(local.toFormat('HH:mm') > requested).toBe(true);
  });

  it('isOpenAt follows the same instants as windowOnDate around an ambiguous start', () => {
    const policy = { start: '01:30', end: '20:00' };
    // New York 2026-11-01: the window opens at the first 01:30 (EDT, 05:30Z).
    expect(isOpenAt(new Date('2026-11-01T05:15:00Z'), 'America/New_York', policy)).toBe(false); // 01:15 EDT
    expect(isOpenAt(new Date('2026-11-01T05:30:00Z'), 'America/New_York', policy)).toBe(true); // 01:30 EDT
    expect(isOpenAt(new Date('2026-11-01T06:15:00Z'), 'America/New_York', policy)).toBe(true); // 01:15 EST, second pass
  });

  it('09:00 on the days clocks change is 09:00 local, with that day\'s offset', () => {
    for (const [date, zone, utc] of [
      ['2026-03-08', 'America/New_York', '2026-03-08T13:00:00Z'],
      ['2026-11-01', 'America/New_York', '2026-11-01T14:00:00Z'],
      ['2026-03-29', 'Europe/London', '2026-03-29T08:00:00Z'],
      ['2026-10-25', 'Europe/London', '2026-10-25T09:00:00Z'],
    ] as const) {
      const start = windowOnDate(date, zone, { start: '09:00', end: '20:00' }).intervals[0]!.start;
      expect(iso(start)).toBe(utc);
      expect(DateTime.fromJSDate(start, { zone }).toFormat('HH:mm')).toBe('09:00');
    }
  });
});

describe('nextOpening: every vector case', () => {
  for (const env of ENVIRONMENTS) {
    it.each(nextCases.map((c) => [`${c.id} (${env.label})`, c] as const))('%s', (_id, c) => {
      const got = inEnv(env, () => nextOpening(new Date(c.now_utc), c.zone, c.window));
      expect(got.kind).toBe('open');
      if (got.kind === 'open') expect(iso(got.at)).toBe(c.next_open_utc);
      // isOpenAt agrees: open now exactly when the next opening is now.
      expect(inEnv(env, () => isOpenAt(ms(c.now_utc), c.zone, c.window))).toBe(c.now_utc === c.next_open_utc);
    });
  }
});

describe('policy: quiet hours and weekdays', () => {
  const lunch: WindowPolicy = { start: '09:00', end: '20:00', quietHours: [{ start: '12:00', end: '13:30' }] };

  it('quiet hours split the window', () => {
    const w = windowOnDate('2026-06-15', 'Asia/Shanghai', lunch);
    expect(w.intervals.map((i) => [iso(i.start), iso(i.end)])).toEqual([
      ['2026-06-15T01:00:00Z', '2026-06-15T04:00:00Z'],
      ['2026-06-15T05:30:00Z', '2026-06-15T12:00:00Z'],
    ]);
    expect(isOpenAt(ms('2026-06-15T04:30:00Z'), 'Asia/Shanghai', lunch)).toBe(false); // 12:30 local
    const next = nextOpening(ms('2026-06-15T04:30:00Z'), 'Asia/Shanghai', lunch);
    expect(next.kind === 'open' && iso(next.at)).toBe('2026-06-15T05:30:00Z'); // 13:30 local
  });

  it('weekday filter rolls over to the next allowed weekday', () => {
    const weekdays: WindowPolicy = { start: '09:00', end: '20:00', days: [1, 2, 3, 4, 5] };
    // Saturday 2026-06-13 10:00 in New York -> Monday 09:00 EDT.
    const next = nextOpening(ms('2026-06-13T14:00:00Z'), 'America/New_York', weekdays);
    expect(next.kind === 'open' && iso(next.at)).toBe('2026-06-15T13:00:00Z');
    const sat = windowOnDate('2026-06-13', 'America/New_York', weekdays);
    expect(sat.intervals).toEqual([]);
    expect(sat.closedReason).toMatch(/weekday not allowed/);
  });

  it('end 24:00 is the next local midnight', () => {
    const w = windowOnDate('2026-06-15', 'Asia/Tokyo', { start: '20:00', end: '24:00' }).intervals[0]!;
    expect([iso(w.start), iso(w.end)]).toEqual(['2026-06-15T11:00:00Z', '2026-06-15T15:00:00Z']);
  });

  it('rejects malformed policies with a clear error', () => {
    expect(() => windowOnDate('2026-06-15', 'UTC', { start: '9:00', end: '20:00' })).toThrow(SendWindowError);
    expect(() => windowOnDate('2026-06-15', 'UTC', { start: '22:00', end: '06:00' })).toThrow(/end must be after start/);
    expect(() => windowOnDate('2026-06-15', 'UTC', { start: '24:00', end: '24:00' })).toThrow(/invalid local time/);
    expect(() => windowOnDate('2026-02-30', 'UTC', { start: '09:00', end: '20:00' })).toThrow(/invalid local date/);
  });
});

// Zone lists copied from vectors/phone_timezones.json (libphonenumber time-zone map), by case id.
const ZONES = {
  'au-fixed-perth-08-9': ['Australia/Adelaide', 'Australia/Perth'],
  'gb-mobile': ['Europe/Guernsey', 'Europe/Isle_of_Man', 'Europe/Jersey', 'Europe/London'],
  'ru-mobile': [
    'Asia/Almaty', 'Asia/Anadyr', 'Asia/Aqtobe', 'Asia/Irkutsk', 'Asia/Kamchatka', 'Asia/Krasnoyarsk', 'Asia/Magadan',
    'Asia/Novosibirsk', 'Asia/Omsk', 'Asia/Sakhalin', 'Asia/Vladivostok', 'Asia/Yakutsk', 'Asia/Yekaterinburg',
    'Europe/Bucharest', 'Europe/Moscow', 'Europe/Samara',
  ],
  'us-tollfree-800': [
    'America/Adak', 'America/Anchorage', 'America/Anguilla', 'America/Antigua', 'America/Barbados', 'America/Boise',
    'America/Cayman', 'America/Chicago', 'America/Denver', 'America/Dominica', 'America/Edmonton', 'America/Fort_Nelson',
    'America/Grand_Turk', 'America/Grenada', 'America/Halifax', 'America/Jamaica', 'America/Juneau', 'America/Los_Angeles',
    'America/Lower_Princes', 'America/Montserrat', 'America/Nassau', 'America/New_York', 'America/North_Dakota/Center',
    'America/Phoenix', 'America/Port_of_Spain', 'America/Puerto_Rico', 'America/Regina', 'America/Santo_Domingo',
    'America/St_Johns', 'America/St_Kitts', 'America/St_Lucia', 'America/St_Thomas', 'America/St_Vincent', 'America/Toronto',
    'America/Tortola', 'America/Vancouver', 'America/Winnipeg', 'Atlantic/Bermuda', 'Pacific/Guam', 'Pacific/Honolulu',
    'Pacific/Pago_Pago', 'Pacific/Saipan',
  ],
} as const;
const zoneCase = (id: keyof typeof ZONES): string[] => [...ZONES[id]];

describe('several candidate zones: intersection of UTC intervals', () => {
  const policy = { start: '09:00', end: '20:00' };

  it('+61 8 (Adelaide or Perth): only when both are inside', () => {
    const zones = zoneCase('au-fixed-perth-08-9');
    const w = windowOnDate('2026-06-15', zones, policy);
    // Perth opens 09:00 AWST = 01:00Z; Adelaide closes 20:00 ACST = 10:30Z.
    expect(w.intervals.map((i) => [iso(i.start), iso(i.end)])).toEqual([['2026-06-15T01:00:00Z', '2026-06-15T10:30:00Z']]);
    const next = nextOpening(ms('2026-06-15T00:00:00Z'), zones, policy); // 09:30 in Adelaide, 08:00 in Perth
    expect(next.kind === 'open' && iso(next.at)).toBe('2026-06-15T01:00:00Z');
    expect(isOpenAt(ms('2026-06-15T10:45:00Z'), zones, policy)).toBe(false); // 20:15 Adelaide
  });

  it('+7 mobile (16 zones, Bucharest to Kamchatka): a two-hour common slot', () => {
    const zones = zoneCase('ru-mobile');
    const w = windowOnDate('2026-06-15', zones, policy);
    // Kamchatka (+12) closes 20:00 = 08:00Z; Bucharest (+3 in summer) opens 09:00 = 06:00Z.
    expect(w.intervals.map((i) => [iso(i.start), iso(i.end)])).toEqual([['2026-06-15T06:00:00Z', '2026-06-15T08:00:00Z']]);
  });

  it('zones that never share the window: reported as empty, no opening invented', () => {
    const zones = ['Asia/Shanghai', 'America/New_York'];
    const morning = { start: '09:00', end: '12:00' };
    const w = windowOnDate('2026-06-15', zones, morning);
    expect(w.intervals).toEqual([]);
    expect(w.closedReason).toMatch(/empty intersection.*2026-06-15.*all 2 zones/);
    const next = nextOpening(ms('2026-06-15T00:00:00Z'), zones, morning);
    expect(next.kind).toBe('none');
    expect(isOpenAt(ms('2026-06-15T02:00:00Z'), zones, morning)).toBe(false);
  });
});

describe('unknown zone: strictest window of the country', () => {
  it('Etc/Unknown or empty -> intersection over all of the country\'s zones', () => {
    const uk = zoneCase('gb-mobile'); // London, Guernsey, Jersey, Isle of Man: all the same clock
    for (const zone of ['Etc/Unknown', '', [] as string[], ['Etc/Unknown']]) {
      const w = windowOnDate('2026-06-15', zone, { start: '09:00', end: '20:00' }, { countryZones: uk });
      expect(w.fallback).toBe(true);
      expect(w.zones).toEqual(uk);
      expect(w.intervals.map((i) => [iso(i.start), iso(i.end)])).toEqual([['2026-06-15T08:00:00Z', '2026-06-15T19:00:00Z']]);
    }
  });

  it('an invalid zone name is treated as unknown, not trusted', () => {
    expect(resolveZones('Mars/Olympus', ['Asia/Shanghai'])).toMatchObject({ fallback: true, zones: ['Asia/Shanghai'] });
  });

  it('without a country zone list there is nothing safe to fall back on: error, not a guess', () => {
    expect(() => windowOnDate('2026-06-15', 'Etc/Unknown', { start: '09:00', end: '20:00' })).toThrow(/no valid country zone list/);
  });

  it('+1 (42 NANP zones, Guam to Pago Pago): 09-20 has no common instant; the TCPA window shares a slot across the date line', () => {
    const nanp = zoneCase('us-tollfree-800');
    expect(nanp.length).toBe(42);
    const narrow = windowOnDate('2026-06-15', 'Etc/Unknown', { start: '09:00', end: '20:00' }, { countryZones: nanp });
    expect(narrow.intervals).toEqual([]);
    expect(narrow.closedReason).toMatch(/empty intersection/);
    const none = nextOpening(ms('2026-06-15T00:00:00Z'), 'Etc/Unknown', { start: '09:00', end: '20:00' }, { countryZones: nanp });
    expect(none.kind).toBe('none');

    // 08:00-21:00: St John's (-2:30) closes at 23:30Z while Guam (+10) has opened at 22:00Z the next local day.
    const tcpa = { start: '08:00', end: '21:00' };
    const next = nextOpening(ms('2026-06-15T12:00:00Z'), 'Etc/Unknown', tcpa, { countryZones: nanp });
    expect(next.kind === 'open' && iso(next.at)).toBe('2026-06-15T22:00:00Z');
    for (const z of nanp) {
      const local = DateTime.fromISO('2026-06-15T22:00:00Z', { zone: z }).toFormat('HH:mm');
      expect(local >= '08:00' && local < '21:00', `${z} ${local}`).toBe(true);
    }
  });
});

describe('holidays: defer vs skip', () => {
  const policy = { start: '09:00', end: '20:00' };
  // 2026-09-30 21:00 in Shanghai; 10-01..10-07 is the National Day block, 10-08 a working day.
  const evening = ms('2026-09-30T13:00:00Z');

  it('defer rolls past the whole holiday block', () => {
    const next = nextOpening(evening, 'Asia/Shanghai', policy, { holidays: holidayRule('CN', undefined, 'defer') });
    expect(next.kind === 'open' && iso(next.at)).toBe('2026-10-08T01:00:00Z');
    const day = windowOnDate('2026-10-03', 'Asia/Shanghai', policy, { holidays: holidayRule('CN', undefined, 'defer') });
    expect(day.intervals).toEqual([]);
    expect(day.closedReason).toMatch(/国庆节/);
  });

  it('skip: the first opportunity is a holiday, so the send is dropped', () => {
    const next = nextOpening(evening, 'Asia/Shanghai', policy, { holidays: holidayRule('CN', undefined, 'skip') });
    expect(next).toMatchObject({ kind: 'skip' });
    if (next.kind === 'skip') expect(next.reason).toMatch(/2026-10-01.*国庆节/);
  });

  it('skip does nothing when the first opportunity is an ordinary day', () => {
    const next = nextOpening(ms('2026-09-29T13:00:00Z'), 'Asia/Shanghai', policy, { holidays: holidayRule('CN', undefined, 'skip') });
    expect(next.kind === 'open' && iso(next.at)).toBe('2026-09-30T01:00:00Z');
  });

  it('a make-up working day (Saturday 2026-02-14) is an ordinary send day', () => {
    expect(isOpenAt(ms('2026-02-14T02:00:00Z'), 'Asia/Shanghai', policy, { holidays: holidayRule('CN', undefined, 'defer') })).toBe(true);
  });

  it('the no-send calendar is asked for each zone\'s own local date', () => {
    const seen: string[] = [];
    const spy: HolidayOption = { policy: 'defer', noSendDay: (date, zone) => (seen.push(`${zone} ${date}`), null) };
    isOpenAt(ms('2026-06-15T01:00:00Z'), ['Australia/Sydney', 'Pacific/Honolulu'], policy, { holidays: spy });
    expect(seen).toContain('Australia/Sydney 2026-06-15');
    expect(seen).toContain('Pacific/Honolulu 2026-06-14');
  });
});
