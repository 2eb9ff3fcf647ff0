import { describe, expect, it } from 'vitest';
import Holidays from 'date-holidays';
import vectors from '../fixtures/holidays.json';
import {
  dayStatus,
  holidayName,
  holidayRule,
  holidaysInYear,
  HolidayError,
  isPublicHoliday,
  isWorkingDay,
  noSendReason,
} from '../../core/holidays';

interface VectorHoliday {
  date: string;
  name: string;
  weekday: string;
  observed?: boolean;
  statutory?: boolean;
}
interface VectorYear {
  holidays: VectorHoliday[];
  makeup_workdays?: string[];
}
type Countries = Record<string, Record<string, VectorYear | null | string>>;
const countries = vectors.countries as unknown as Countries;

// The vector's scope per country: GB = England & Wales, AU = New South Wales, the rest national.
const REGION: Record<string, string | undefined> = { GB: 'ENG', AU: 'NSW' };

const yearsOf = (c: string): [string, VectorYear][] =>
  Object.entries(countries[c]!).filter((e): e is [string, VectorYear] => e[0] !== 'note' && e[1] !== null && typeof e[1] === 'object');

/** date-holidays alone, without our scope filters and overrides: to show where it is wrong. */
const rawLibrary = (country: string, year: number, region?: string): string[] => {
  const hd = region ? new Holidays(country, region) : new Holidays(country);
  return hd.getHolidays(year).filter((h) => h.type === 'public').map((h) => h.date.slice(0, 10));
};

describe('fixture', () => {
  it('keeps its source and covers the nine countries', () => {
    expect(vectors.source.official[0]).toContain('国务院办公厅关于2026年部分节假日安排的通知');
    expect(Object.keys(countries).sort()).toEqual(['AU', 'BR', 'CN', 'DE', 'GB', 'IN', 'JP', 'SG', 'US']);
  });
});

describe('every vector holiday, and nothing else, per country and year', () => {
  for (const country of Object.keys(countries)) {
    for (const [year, v] of yearsOf(country)) {
      describe(`${country} ${year}`, () => {
        it('the full list of days off matches', () => {
          const ours = holidaysInYear(country, REGION[country], Number(year));
          expect(ours.holidays.map((h) => h.date)).toEqual(v.holidays.map((h) => h.date).sort());
          expect(ours.makeupWorkdays).toEqual([...(v.makeup_workdays ?? [])].sort());
        });
        it.each(v.holidays.map((h) => [h.date, h] as const))('%s', (date, h) => {
          expect(isPublicHoliday(country, REGION[country], date)).toBe(true);
          expect(holidayName(country, REGION[country], date)).toBeTruthy();
          expect(dayStatus(country, REGION[country], date).holiday!.observed).toBe(h.observed === true);
          expect(isWorkingDay(country, REGION[country], date)).toBe(false);
        });
      });
    }
  }
});

describe('China: the State Council 2026 notice (调休)', () => {
  const cn = countries.CN!['2026'] as VectorYear;

  it('uses the notice, with its names', () => {
    for (const h of cn.holidays) {
      expect(holidayName('CN', undefined, h.date)).toBe(h.name);
      expect(dayStatus('CN', undefined, h.date).basis).toBe('official-notice');
    }
  });

  it.each(cn.makeup_workdays!.map((d) => [d]))('make-up working day %s: a weekend day that is a working day', (date) => {
    const s = dayStatus('CN', undefined, date);
    expect(s).toMatchObject({ weekend: true, makeupWorkday: true, workingDay: true, holiday: null });
    expect(noSendReason('CN', undefined, date, 'non-working-days')).toBeNull();
  });

  it('holiday-block weekdays are days off (e.g. Fri 02-20, Mon 02-23, Tue 05-05)', () => {
    for (const d of ['2026-02-20', '2026-02-23', '2026-05-05', '2026-10-07']) {
      expect(dayStatus('CN', undefined, d)).toMatchObject({ weekend: false, workingDay: false });
      expect(noSendReason('CN', undefined, d)).toMatch(/^public holiday: /);
    }
  });

  it('an ordinary weekend is not a working day but is not a holiday either', () => {
    expect(dayStatus('CN', undefined, '2026-03-07')).toMatchObject({ weekend: true, workingDay: false, holiday: null });
    expect(noSendReason('CN', undefined, '2026-03-07')).toBeNull(); // marketing default: weekends are fine
    expect(noSendReason('CN', undefined, '2026-03-07', 'non-working-days')).toBe('weekend');
  });
});

describe('vector disagreements: our verdicts', () => {
  it('CN 2026: date-holidays ignores the 调休 arrangement -> corrected by the dated notice override', () => {
    const d = vectors.disagreements.find((x) => x.country === 'CN' && x.year === 2026 && 'details' in x && x.details && 'date-holidays_missing_days_off' in x.details)!;
    const details = d.details as { 'date-holidays_missing_days_off': string[]; 'date-holidays_extra_not_general_days_off': string[] };
    const raw = rawLibrary('CN', 2026);
    for (const date of details['date-holidays_missing_days_off']) {
      expect(raw).not.toContain(date); // the library is wrong here (version 3.37) ...
      expect(isPublicHoliday('CN', undefined, date)).toBe(true); // ... and our override corrects it
    }
    for (const date of details['date-holidays_extra_not_general_days_off']) {
      expect(raw).toContain(date);
      expect(isPublicHoliday('CN', undefined, date)).toBe(false); // Women's/Children's/Army Day: part of the population only
    }
  });

  it('CN 2027: no official notice -> statutory days only, flagged as such, no make-up days invented', () => {
    const y = holidaysInYear('CN', undefined, 2027);
    expect(countries.CN!['2027']).toBeNull();
    expect(y.basis).toBe('statutory-rules');
    expect(y.makeupWorkdays).toEqual([]);
    // 全国年节及纪念日放假办法 (2024 revision): 除夕..初三 (4 days) and 5-01..5-02; date-holidays misses 初三 and 5-02.
    expect(rawLibrary('CN', 2027)).not.toContain('2027-02-08');
    for (const d of ['2027-01-01', '2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-05-01', '2027-05-02', '2027-10-03']) {
      expect(isPublicHoliday('CN', undefined, d), d).toBe(true);
    }
    expect(y.holidays.length).toBe(13); // the 13 statutory days
    expect(isPublicHoliday('CN', undefined, '2027-03-08')).toBe(false);
    expect(dayStatus('CN', undefined, '2027-02-06').basis).toBe('statutory-rules');
  });

  it('SG 2027: MOM dates replace the library\'s calculated Islamic dates, Vesak Day added', () => {
    const raw = rawLibrary('SG', 2027);
    for (const d of ['2027-03-10', '2027-05-17', '2027-05-20']) {
      expect(raw).not.toContain(d);
      expect(isPublicHoliday('SG', undefined, d)).toBe(true);
    }
    for (const d of ['2027-03-09', '2027-05-16']) {
      expect(raw).toContain(d);
      expect(isPublicHoliday('SG', undefined, d)).toBe(false);
    }
    expect(dayStatus('SG', undefined, '2027-05-20').holiday!.source).toContain('MOM');
  });

  it('BR 2026: election Sundays are not national holidays (Lei 10.607/2002)', () => {
    for (const d of ['2026-10-04', '2026-10-25']) {
      expect(rawLibrary('BR', 2026)).toContain(d);
      expect(isPublicHoliday('BR', undefined, d)).toBe(false);
    }
  });

  it('IN: only the three national holidays (state/gazetted holidays vary)', () => {
    for (const d of ['2026-04-03', '2026-04-14', '2026-12-25', '2027-03-26']) {
      expect(rawLibrary('IN', Number(d.slice(0, 4)))).toContain(d);
      expect(isPublicHoliday('IN', undefined, d)).toBe(false);
    }
    for (const d of ['2026-03-04', '2026-11-08']) expect(isPublicHoliday('IN', undefined, d)).toBe(false); // python-holidays-only days
  });

  it('GB: the weekend date and its substitute weekday are both no-send days', () => {
    for (const d of ['2026-12-26', '2026-12-28', '2027-12-25', '2027-12-26', '2027-12-27', '2027-12-28']) {
      expect(noSendReason('GB', 'ENG', d)).not.toBeNull();
    }
  });

  it('AU-NSW: Anzac Day Mondays 2026/2027 are holidays; the NSW Bank Holiday (banks only) is not', () => {
    expect(dayStatus('AU', 'NSW', '2026-04-27').holiday).toMatchObject({ observed: true });
    expect(dayStatus('AU', 'AU-NSW', '2027-04-26').holiday).toMatchObject({ observed: true });
    expect(isPublicHoliday('AU', 'NSW', '2026-08-03')).toBe(false);
  });

  it('US/DE/JP: observances and bank days are excluded', () => {
    expect(isPublicHoliday('US', undefined, '2026-11-27')).toBe(false); // day after Thanksgiving
    expect(isPublicHoliday('US', undefined, '2026-12-24')).toBe(false); // Christmas Eve (2026: not an observed day)
    expect(isPublicHoliday('DE', undefined, '2026-12-24')).toBe(false);
    expect(isPublicHoliday('DE', undefined, '2026-12-31')).toBe(false);
    expect(isPublicHoliday('JP', undefined, '2027-01-02')).toBe(false);
  });

  it('US: the observed day for New Year 2028 falls on 2027-12-31', () => {
    expect(dayStatus('US', undefined, '2027-12-31').holiday).toMatchObject({ observed: true });
  });
});

describe('API for the send window', () => {
  it('holidayRule answers per local date with the chosen policy', () => {
    const rule = holidayRule('CN', undefined, 'defer');
    expect(rule.policy).toBe('defer');
    expect(rule.noSendDay('2026-10-01', 'Asia/Shanghai')).toMatch(/国庆节/);
    expect(rule.noSendDay('2026-10-10', 'Asia/Shanghai')).toBeNull();
    const b2b = holidayRule('CN', undefined, 'skip', 'non-working-days');
    expect(b2b.noSendDay('2026-10-11', 'Asia/Shanghai')).toBe('weekend');
    expect(b2b.noSendDay('2026-10-10', 'Asia/Shanghai')).toBeNull(); // make-up working Saturday
  });

  it('a region adds its own holidays (US-CA: César Chávez Day is not federal)', () => {
    expect(isPublicHoliday('US', undefined, '2026-03-31')).toBe(false);
    expect(isPublicHoliday('US', 'CA', '2026-03-31')).toBe(true);
  });

  it('an unsupported country has no holiday data, and says so', () => {
    expect(dayStatus('AQ', undefined, '2026-01-01')).toMatchObject({ holiday: null, basis: 'unsupported' });
  });

  it('bad input is a clear error', () => {
    expect(() => dayStatus('CN', undefined, '2026-02-30')).toThrow(HolidayError);
    expect(() => dayStatus('China', undefined, '2026-01-01')).toThrow(/invalid country code/);
    expect(() => holidayRule('AU', 'XYZ', 'defer')).toThrow(/unknown region/);
  });
});
