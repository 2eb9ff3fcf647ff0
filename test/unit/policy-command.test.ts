import { describe, expect, it } from 'vitest';
import { calendarWarnings } from '../../client/commands/policy';
import { holidaysInYear } from '../../core/holidays';

describe('policy show: a year no official Chinese holiday notice covers yet is a warning', () => {
  it('2026 has the State Council notice: no warning', () => {
    expect(holidaysInYear('CN', null, 2026).basis).toBe('official-notice');
    expect(calendarWarnings([2026])).toEqual([]);
  });
  it('a year with only the statutory rules is named, with what that means', () => {
    const year = 2030;
    expect(holidaysInYear('CN', null, year).basis).toBe('statutory-rules');
    expect(calendarWarnings([2026, year])).toEqual([expect.stringMatching(/^CN 2030: no official holiday notice loaded; the statutory holidays apply and make-up workdays are unknown/)]);
  });
});
