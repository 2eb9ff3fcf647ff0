import { isPossiblePhoneNumber } from 'libphonenumber-js/max';
import { normalizePhone } from '../core/phone';
import type { NumberLookup } from './number-lookup';

/**
 * LOOKUP_PROVIDER=none: no carrier is asked. Validity is the numbering plan's (libphonenumber):
 * a valid number is taken as active until deliveries say otherwise, a possible one is unknown,
 * an impossible one empty. `checksCarrier: false`, so a recheck never revives a number on its
 * word (core/recheck.ts): delivery outcomes alone move a number that is valid on paper.
 */
export function createNumberingPlanLookup(): NumberLookup {
  return {
    name: 'none',
    checksCarrier: false,
    async lookup(e164s) {
      return e164s.map((n) => (normalizePhone(n).ok ? 'active' : isPossiblePhoneNumber(n) ? 'unknown' : 'empty'));
    },
  };
}
