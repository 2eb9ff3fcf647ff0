/**
 * Durations operators type: "72h", "30m", "90s", "3d", "2w" (and "every 6h" for schedules).
 * One parser for CLI flags, environment variables and schedule intervals.
 */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** "72h" -> 259200000; null when it is not a whole number followed by ms, s, m/min, h, d or w. */
export function parseDurationMs(text: string): number | null {
  const m = /^\s*(\d{1,9})\s*(ms|s|min|m|h|d|w)\s*$/i.exec(text);
  if (!m) return null;
  return Number(m[1]) * UNIT_MS[m[2]!.toLowerCase()]!;
}

/**
 * "every 90d", "90d", "every 6h", "every 30m": a schedule interval as Temporal takes it, between
 * 5 minutes and a year. Returns the normalised duration string ("90d") or null.
 */
export function parseScheduleInterval(text: string): string | null {
  const m = /^\s*(?:every\s+)?(\d{1,5})\s*(m|min|h|d|w)\s*$/i.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  const minutes = unit === 'w' ? n * 7 * 1440 : unit === 'd' ? n * 1440 : unit === 'h' ? n * 60 : n;
  if (minutes < 5 || minutes > 366 * 1440) return null;
  return unit === 'w' ? `${n * 7}d` : unit === 'min' ? `${n}m` : `${n}${unit}`;
}
