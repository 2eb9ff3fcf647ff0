import type { NumberStatus } from '../core/number-status';

/** A carrier line-status lookup (HLR or a provider's lookup API), in batches. */
export interface NumberLookup {
  readonly name: string;
  lookup(e164s: readonly string[]): Promise<NumberStatus[]>;
}
