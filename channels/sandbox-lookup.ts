import type { NumberStatus } from '../core/number-status';
import type { LookupAnswer, NumberLookup } from './number-lookup';

/**
 * The outside world, faked for the embedded default and tests: a carrier whose answer is a
 * deterministic function of the number, so re-imports agree and tests can choose outcomes.
 * Numbers ending in 0000 are empty, 1111 stopped, 2222 switched off, 3333 out of service,
 * 4444 silent, 5555 active but now a landline (a reassigned number); otherwise a stable hash gives
 * a realistic mix (about 93% active).
 * `overrides` (e.g. from a test, or after a scripted "revival") take precedence.
 */
export function createSandboxLookup(overrides: Map<string, LookupAnswer> = new Map()): NumberLookup & { overrides: Map<string, LookupAnswer> } {
  return {
    name: 'sandbox',
    overrides,
    async lookup(e164s) {
      return e164s.map((n) => overrides.get(n) ?? (n.endsWith('5555') ? { status: 'active', lineType: 'fixed_line' } : sandboxStatus(n)));
    },
  };
}

const BY_SUFFIX: Record<string, NumberStatus> = { '0000': 'empty', '1111': 'stopped', '2222': 'switched_off', '3333': 'out_of_service', '4444': 'silent' };

export function sandboxStatus(e164: string): NumberStatus {
  const scripted = BY_SUFFIX[e164.slice(-4)];
  if (scripted) return scripted;
  let h = 2166136261;
  for (let i = 0; i < e164.length; i++) h = Math.imul(h ^ e164.charCodeAt(i), 16777619) >>> 0;
  const r = h % 1000;
  if (r < 15) return 'empty';
  if (r < 25) return 'stopped';
  if (r < 45) return 'switched_off';
  if (r < 55) return 'out_of_service';
  if (r < 70) return 'silent';
  return 'active';
}
