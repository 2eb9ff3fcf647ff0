import type { NumberStatus } from '../core/number-status';
import type { PhoneType } from '../core/phone';

/**
 * One number's answer: its line status, and the line type when the provider reports it (a line
 * intelligence lookup): a mobile number now reported as a landline or VoIP line was reassigned.
 */
export type LookupAnswer = NumberStatus | { status: NumberStatus; lineType: PhoneType };

export const statusOf = (a: LookupAnswer): NumberStatus => (typeof a === 'string' ? a : a.status);
export const lineTypeOf = (a: LookupAnswer): PhoneType | undefined => (typeof a === 'string' ? undefined : a.lineType);

/** A carrier line-status lookup (HLR or a provider's lookup API), in batches. */
export interface NumberLookup {
  readonly name: string;
  /**
   * Whether a reachable answer comes from a carrier. False for LOOKUP_PROVIDER=none (numbering
   * plan only): its answers may mark a number invalid but never revive one that deliveries failed.
   */
  readonly checksCarrier: boolean;
  lookup(e164s: readonly string[]): Promise<LookupAnswer[]>;
}
