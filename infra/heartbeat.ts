/**
 * A running worker or HTTP server beats every HEARTBEAT_MS (db/heartbeats.ts). Three things hang on it:
 * `reachloop keys rotate-lookup` refuses while any process beat within LIVE_PROCESS_WINDOW_MS,
 * `reachloop keys rotate` refuses while one of them lacks the new active data key, and a
 * process whose lookup key chain is no longer the database's (a rotation with --force, or one run
 * between two beats) learns it at its next beat and stops: hashing with the old chain, it would
 * miss every contact, and a STOP from a known number would be kept as the opt-out of a stranger.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { beat, endBeats } from '../db/heartbeats';
import type { Pool } from '../db/pool';

export const HEARTBEAT_MS = 10_000;
/** A process that beat within this is alive (three beats, so one slow beat does not hide it). */
export const LIVE_PROCESS_WINDOW_MS = 3 * HEARTBEAT_MS;

export const STALE_CHAIN_MESSAGE =
  'the lookup key chain was rotated (reachloop keys rotate-lookup) while this process ran on the old one: stopping; start it again with the new REACHLOOP_LOOKUP_KEY';

export interface HeartbeatOptions {
  pool: Pool;
  roles: string;
  /** The fingerprint of the lookup chain this process hashes with (DataCodec.fingerprint('lookup')). */
  lookupFingerprint: string;
  /** The data keys this process holds, id -> DataCodec.fingerprint(id). */
  dataKeys: Record<string, string>;
  /** Called once when the database is on another lookup chain. */
  onStaleChain: (message: string) => void;
  /** A beat that fails (database away): logged, the next one tries again. */
  onError?: (err: Error) => void;
  intervalMs?: number;
}

export interface RunningHeartbeat {
  stop(): Promise<void>;
}

/** Beats once now (so that a rotation started after this returns sees the process), then every interval. */
export async function startHeartbeat(opts: HeartbeatOptions): Promise<RunningHeartbeat> {
  const me = { id: randomUUID(), roles: opts.roles, host: hostname(), pid: process.pid, lookupFingerprint: opts.lookupFingerprint, dataKeys: opts.dataKeys };
  let stale = false;
  const once = async () => {
    const on = await beat(opts.pool, me);
    if (!stale && on !== undefined && on !== opts.lookupFingerprint) {
      stale = true;
      opts.onStaleChain(STALE_CHAIN_MESSAGE);
    }
  };
  await once();
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = once().catch((err: Error) => opts.onError?.(err));
  }, opts.intervalMs ?? HEARTBEAT_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await endBeats(opts.pool, me.id).catch(() => {});
    },
  };
}
