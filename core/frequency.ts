/**
 * Frequency caps per contact, counted over every marketing campaign. The rules themselves (how
 * many per how long, per channel, per tier, per region) come from the contact policy through
 * core/policy/effective.ts `capRulesFor`; this module only counts. A rule allows `max` sends per
 * rolling `perHours`; a rule of channel 'any' counts every marketing message whatever its channel.
 * Transactional messages are never counted and never capped (but opt-outs still apply).
 */
import type { NamedCapRule, SendChannel } from './policy/effective';

export type { NamedCapRule };

/** An earlier counted send: when it was reserved, on which channel. */
export interface CountedSend {
  at: number;
  channel: SendChannel;
}

export const longestWindowHours = (rules: readonly Pick<NamedCapRule, 'perHours'>[]) => rules.reduce((m, r) => Math.max(m, r.perHours), 0);

export type CapVerdict = { ok: true } | { ok: false; freeAt: number; rule: string };

/**
 * Whether one more send on `channel` may go at `now`, given earlier counted sends (any order);
 * if not, the first instant at which every rule allows it again and the rule that holds it
 * longest.
 */
export function capCheck(rules: readonly NamedCapRule[], channel: SendChannel, sent: readonly CountedSend[], now: number): CapVerdict {
  let freeAt = now;
  let binding: string | null = null;
  for (const rule of rules) {
    if (rule.channel !== 'any' && rule.channel !== channel) continue;
    const windowStart = now - rule.perHours * 3_600_000;
    const inWindow: number[] = [];
    for (const s of sent) if (s.at > windowStart && (rule.channel === 'any' || s.channel === rule.channel)) inWindow.push(s.at);
    if (inWindow.length < rule.max) continue;
    inWindow.sort((a, b) => a - b);
    // The rule frees when enough of the oldest sends leave its window.
    const frees = inWindow[inWindow.length - rule.max]! + rule.perHours * 3_600_000;
    if (frees > freeAt) {
      freeAt = frees;
      binding = rule.id;
    }
  }
  return binding === null ? { ok: true } : { ok: false, freeAt, rule: binding };
}

/**
 * The cap rule a reservation applies (db/ledger.ts reserveSends takes it as an argument and only
 * counts and locks): which sends are capped, how far back earlier sends matter, and the check.
 */
export interface CapRule {
  /** Whether sends of this category are capped: marketing only (transactional ones never are). */
  caps(category: 'marketing' | 'transactional'): boolean;
  /** How many hours of earlier sends these rules look at. */
  windowHours(rules: readonly Pick<NamedCapRule, 'perHours'>[]): number;
  check(rules: readonly NamedCapRule[], channel: SendChannel, sent: readonly CountedSend[], now: number): CapVerdict;
}

export const CAP_RULE: CapRule = { caps: (category) => category === 'marketing', windowHours: longestWindowHours, check: capCheck };
