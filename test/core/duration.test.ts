import { describe, expect, it } from 'vitest';
import { parseDurationMs, parseScheduleInterval } from '../../core/duration';

describe('parseDurationMs', () => {
  it.each([
    ['72h', 72 * 3_600_000],
    ['30s', 30_000],
    ['15m', 900_000],
    ['15 min', 900_000],
    ['3d', 3 * 86_400_000],
    ['2w', 14 * 86_400_000],
    ['250ms', 250],
    [' 8H ', 8 * 3_600_000],
  ])('%j -> %d', (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it.each(['', '72', 'h', '-1h', '1.5h', 'three days', '10y'])('refuses %j', (text) => expect(parseDurationMs(text)).toBeNull());
});

describe('parseScheduleInterval', () => {
  it.each([
    ['every 90d', '90d'],
    ['90d', '90d'],
    ['Every 6h', '6h'],
    ['every 30m', '30m'],
    ['every 2w', '14d'],
    ['every 10 min', '10m'],
  ])('%j -> %j', (text, out) => expect(parseScheduleInterval(text)).toBe(out));

  it.each(['quarterly', 'every', 'every 1m', 'every 400d', 'every -1d', '90'])('refuses %j', (text) => expect(parseScheduleInterval(text)).toBeNull());
});
