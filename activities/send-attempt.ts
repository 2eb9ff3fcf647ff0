/**
 * Fencing of send attempts (issue 19, migration 0022). An activity attempt that calls a provider
 * first registers with a lease, waits until every earlier attempt that could still be calling the
 * provider for the same recipients has finished or let its lease run out, then works while it
 * keeps the lease renewed. The rules:
 *
 * - a later attempt never sends or reconciles a row while an earlier attempt may still be calling
 *   the provider for it (the earlier attempt finished, or its lease ran out);
 * - a provider call starts only with at least its timeout (plus one renewal period) of lease left,
 *   so no call outlives the lease; a lease that ran out is never renewed;
 * - an attempt that lost its lease, or that Temporal cancelled (its heartbeat timed out while the
 *   server was away, or the workflow cancelled it), starts no further call.
 *
 * The lease is measured on this process's monotonic clock from the moment each renewal was
 * asked for, so it always ends here no later than in PostgreSQL, whose clock every worker shares.
 */
import { Context } from '@temporalio/activity';
import type { Pool } from '../db/pool';
import { earlierLiveAttemptMs, finishAttempt, insertAttempt, renewLease, type AttemptScope } from '../db/send-attempts';

export interface SendAttempt {
  readonly id: string;
  /** Whether a provider call with this timeout may start now. */
  mayCall(callTimeoutMs: number): boolean;
  /** Why this attempt may call no more ('lease_lost', 'lease_short', 'cancelled'), or null. */
  stopReason(callTimeoutMs: number): string | null;
  /** Records that this attempt makes no further call: a waiting attempt goes on at once. */
  finish(): Promise<void>;
}

export interface LeaseOptions {
  /** Length of the lease; renewed every tenth of it. Longer than any provider call's timeout. */
  leaseMs: number;
  log?: (message: string) => void;
}

/** The Temporal activity context, when running in one (tests also call activities directly). */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

function ownerName(ctx: Context | undefined): string {
  if (!ctx) return `process ${process.pid}`;
  const i = ctx.info;
  return `${i.workflowExecution?.workflowId ?? '-'}/${i.activityId}#${i.attempt}`;
}

export async function beginSendAttempt(pool: Pool, scope: AttemptScope, opts: LeaseOptions): Promise<SendAttempt> {
  const ctx = activityContext();
  const renewEveryMs = Math.max(50, Math.floor(opts.leaseMs / 10));
  let validUntil = performance.now() + opts.leaseMs;
  const id = await insertAttempt(pool, scope.scope, ownerName(ctx), opts.leaseMs);
  let lost = false;
  let finished = false;
  let renewing = false;
  const renew = async () => {
    if (renewing || lost || finished) return;
    renewing = true;
    const askedAt = performance.now();
    try {
      if (await renewLease(pool, id, opts.leaseMs)) validUntil = askedAt + opts.leaseMs;
      else lost = !finished;
    } catch {
      // PostgreSQL unreachable: the lease runs down locally; calls stop before it ends.
    } finally {
      renewing = false;
    }
  };
  const timer = setInterval(() => void renew(), renewEveryMs);
  timer.unref();
  const cancelled = () => ctx?.cancellationSignal.aborted ?? false;
  const stopReason = (callTimeoutMs: number) => {
    if (lost || performance.now() >= validUntil) return 'lease_lost';
    if (cancelled()) return 'cancelled';
    if (performance.now() + callTimeoutMs + renewEveryMs > validUntil) return 'lease_short';
    return null;
  };
  const attempt: SendAttempt = {
    id,
    stopReason,
    mayCall: (callTimeoutMs) => stopReason(callTimeoutMs) === null,
    async finish() {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      await finishAttempt(pool, id);
    },
  };
  try {
    for (;;) {
      const waitMs = await earlierLiveAttemptMs(pool, id, scope);
      if (waitMs === 0) break;
      opts.log?.(`send attempt ${id} (${scope.scope}) waits up to ${Math.ceil(waitMs / 1000)} s for an earlier attempt that may still be calling the provider`);
      ctx?.heartbeat({ waitingForEarlierAttemptMs: waitMs });
      const step = Math.min(waitMs, 1_000);
      if (ctx) await ctx.sleep(step);
      else await new Promise((r) => setTimeout(r, step));
    }
  } catch (err) {
    await attempt.finish().catch(() => {});
    throw err;
  }
  return attempt;
}

/** Why this lease cannot cover these providers' calls (each must fit in 80% of it), or null. */
export function leaseProblem(leaseMs: number, callTimeouts: Record<string, number>): string | null {
  const [name, longest] = Object.entries(callTimeouts).sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
  if (longest <= leaseMs * 0.8) return null;
  return `SEND_LEASE (${leaseMs / 1000}s) must be longer than the ${name} call timeout (${longest / 1000}s) plus a quarter: at least ${Math.ceil((longest / 0.8) / 1000)}s`;
}

/**
 * Runs `send` over items, at most `concurrency` at a time, each after `pace`, and only while the
 * attempt may still call the provider: once it may not (lease lost or short, cancelled) or a send
 * throws, no further call starts; the calls in flight are awaited either way. Returns the items
 * never offered to the provider, the first error and why the attempt stopped.
 */
export async function sendWhileLeased<T>(
  items: readonly T[],
  opts: { concurrency: number; attempt: SendAttempt; timeoutOf: (item: T) => number; pace: (item: T) => Promise<void>; send: (item: T) => Promise<void> },
): Promise<{ unsent: T[]; error: unknown; stoppedBy: string | null }> {
  let next = 0;
  let error: unknown = null;
  let failed = false;
  let stoppedBy: string | null = null;
  const unsent: T[] = [];
  const worker = async () => {
    while (next < items.length && !failed && stoppedBy === null) {
      const item = items[next++]!;
      await opts.pace(item);
      const why = failed ? 'error' : (stoppedBy ?? opts.attempt.stopReason(opts.timeoutOf(item)));
      if (why) {
        if (!failed) stoppedBy ??= why;
        unsent.push(item);
        break;
      }
      try {
        await opts.send(item);
      } catch (err) {
        if (!failed) error = err;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, items.length) }, worker));
  unsent.push(...items.slice(next));
  return { unsent, error, stoppedBy };
}
