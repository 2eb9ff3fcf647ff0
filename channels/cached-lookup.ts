import { NUMBER_STATUSES, type NumberStatus } from '../core/number-status';
import type { PhoneType } from '../core/phone';
import type { CachedLookupRow, LookupCacheStore } from '../db/lookup-cache';
import { lineTypeOf, statusOf, type LookupAnswer, type NumberLookup } from './number-lookup';

export interface CachedLookupOptions {
  store: LookupCacheStore;
  /** How long an answer is served from the cache (LOOKUP_CACHE_TTL). */
  ttlMs: number;
  now?: () => Date;
}

/**
 * A paid lookup behind the per-number cache: numbers with a fresh answer are not asked again;
 * the others are asked in one call to `inner` and their conclusive answers stored (an `unknown`
 * is asked again next time). Answers come back in the order asked.
 */
export function withLookupCache(inner: NumberLookup, options: CachedLookupOptions): NumberLookup {
  const now = options.now ?? (() => new Date());
  return {
    name: inner.name,
    checksCarrier: inner.checksCarrier,
    async lookup(e164s) {
      const at = now();
      const cached = await options.store.read(inner.name, [...new Set(e164s)], new Date(at.getTime() - options.ttlMs));
      const misses = [...new Set(e164s.filter((n) => !cached.has(n)))];
      const fresh = new Map<string, LookupAnswer>();
      if (misses.length) {
        const answers = await inner.lookup(misses);
        misses.forEach((n, i) => fresh.set(n, answers[i]!));
        const keep = misses.filter((n) => statusOf(fresh.get(n)!) !== 'unknown');
        await options.store.write(inner.name, keep.map((n) => ({ e164: n, status: statusOf(fresh.get(n)!), lineType: lineTypeOf(fresh.get(n)!) ?? null })), at);
      }
      return e164s.map((n) => fresh.get(n) ?? fromRow(cached.get(n)!));
    },
  };
}

function fromRow(r: CachedLookupRow): LookupAnswer {
  const status = (NUMBER_STATUSES as readonly string[]).includes(r.status) ? (r.status as NumberStatus) : 'unknown';
  return r.lineType ? { status, lineType: r.lineType as PhoneType } : status;
}
