/** A rate limiter: take() resolves at most `perSecond` times a second (unlimited when null). */
export function createPacer(perSecond: number | null): { take(): Promise<void> } {
  if (!perSecond) return { take: async () => {} };
  const interval = 1000 / perSecond;
  let next = Date.now();
  return {
    take() {
      const now = Date.now();
      const at = Math.max(now, next);
      next = at + interval;
      return at <= now ? Promise.resolve() : new Promise((r) => setTimeout(r, at - now));
    },
  };
}

/** Runs fn over items with at most `limit` promises in flight; rejects on the first failure. */
export async function mapConcurrent<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
