import { localTiming, type Whereabouts } from '../campaign/timing';
import { CONTACT_POLICY, type ContactPolicy } from '../policy/contact-policy';
import type { WindowPolicy } from '../send-window';

/** The confirmation SMS window of the contact policy (daytime only; holidays deferred). */
export const confirmationWindow = (policy: ContactPolicy = CONTACT_POLICY): { id: string; window: WindowPolicy } => ({
  id: policy.windows.numberConfirmation.id,
  window: { start: policy.windows.numberConfirmation.start, end: policy.windows.numberConfirmation.end },
});

/**
 * How long until the candidate's local confirmation window is open (0 = now); null when no local
 * time is known at all (never guess: the case waits for an operator).
 */
export function recoveryWindowDelay(
  r: Omit<Whereabouts, 'subdivision'> & { subdivision?: string | null },
  now: number,
  source: { id: string; window: WindowPolicy } = confirmationWindow(),
): { delayMs: number; reason: 'open' | 'quiet_hours' | 'outside_window' | 'holiday' } | null {
  const t = localTiming({ ...r, subdivision: r.subdivision ?? null }, { sources: [source], holidays: 'defer', workingDaysOnly: false }).decide(now);
  if ('skip' in t) return null;
  if (t.open) return { delayMs: 0, reason: 'open' };
  return { delayMs: t.until - now, reason: t.reason === 'quiet_hours' || t.reason === 'holiday' ? t.reason : 'outside_window' };
}
