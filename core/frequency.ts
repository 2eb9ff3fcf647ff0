/**
 * Frequency caps per contact and channel, counted over every marketing campaign (seed 000/003:
 * marketing SMS at most 1–2 a week). A cap rule allows `max` sends per rolling `perHours`.
 * Transactional messages are never counted and never capped (but opt-outs still apply).
 */
export interface CapRule {
  max: number;
  perHours: number;
}

export interface CapPolicy {
  sms: CapRule[];
  email: CapRule[];
}

/** Defaults: SMS 1 per 24 h and 2 per 7 days; e-mail 3 per 7 days. */
export const DEFAULT_CAPS: CapPolicy = {
  sms: [
    { max: 1, perHours: 24 },
    { max: 2, perHours: 24 * 7 },
  ],
  email: [{ max: 3, perHours: 24 * 7 }],
};

export const longestWindowHours = (rules: readonly CapRule[]) => rules.reduce((m, r) => Math.max(m, r.perHours), 0);

/**
 * Given the instants of earlier counted sends (any order), whether one more may go at `now`,
 * and if not, the first instant at which every rule allows it again.
 */
export function capCheck(rules: readonly CapRule[], sentAt: readonly number[], now: number): { ok: true } | { ok: false; freeAt: number } {
  let freeAt = now;
  for (const rule of rules) {
    const windowStart = now - rule.perHours * 3_600_000;
    const inWindow = sentAt.filter((t) => t > windowStart).sort((a, b) => a - b);
    if (inWindow.length >= rule.max) {
      // The rule frees when enough of the oldest sends leave its window.
      const leaving = inWindow[inWindow.length - rule.max]!;
      freeAt = Math.max(freeAt, leaving + rule.perHours * 3_600_000);
    }
  }
  return freeAt === now ? { ok: true } : { ok: false, freeAt };
}
