/**
 * @fastify/rate-limit's store over db/api-rate.ts: the per-token rate counted in PostgreSQL, shared
 * by every server process. A count that fails (the database away) fails the request with 500, as
 * the handler would have: a request is never let through uncounted.
 */
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { countApiRequest } from '../db/api-rate';
import type { Pool } from '../db/pool';

export function sharedRateStore(pool: Pool): FastifyRateLimitStoreCtor {
  return class SharedRateStore implements FastifyRateLimitStore {
    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      countApiRequest(pool, key, timeWindow).then((r) => callback(null, r), (err: Error) => callback(err));
    }

    child(): FastifyRateLimitStore {
      return new SharedRateStore();
    }
  };
}
