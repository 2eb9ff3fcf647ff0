import { DEFAULT_TIER_CHANNELS } from '../campaign/definition';
import { localTiming, type DecisionRules, type RecipientSnapshot } from '../campaign/decision';
import type { WindowPolicy } from '../send-window';

/** Confirmation SMS go out in the candidate's local daytime only, holidays deferred. */
export const RECOVERY_WINDOW: WindowPolicy = { start: '10:00', end: '20:00' };

const RULES: DecisionRules = {
  category: 'transactional',
  tiers: undefined,
  channels: DEFAULT_TIER_CHANNELS,
  fallback: false,
  window: RECOVERY_WINDOW,
  countryWindows: {},
  holidays: 'defer',
  startAt: null,
  deadline: null,
  templated: new Set(['sms']),
};

/**
 * How long until the candidate's local window is open (0 = now); null when no local time is known
 * at all (never guess: the case waits for an operator).
 */
export function recoveryWindowDelay(r: Pick<RecipientSnapshot, 'country' | 'timeZones' | 'countryZones'>, now: number, window: WindowPolicy = RECOVERY_WINDOW): { delayMs: number; reason: 'open' | 'quiet_hours' | 'outside_window' | 'holiday' } | null {
  const t = localTiming(r, { ...RULES, window }).decide(now);
  if ('skip' in t) return null;
  if (t.open) return { delayMs: 0, reason: 'open' };
  return { delayMs: t.until - now, reason: t.reason === 'quiet_hours' || t.reason === 'holiday' ? t.reason : 'outside_window' };
}
