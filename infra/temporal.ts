import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { NativeConnection } from '@temporalio/worker';

export class TemporalUnreachableError extends Error {
  constructor(address: string, namespace: string, cause: unknown) {
    const reason = ((cause as Error)?.message ?? String(cause)).split('\n')[0];
    super(`cannot reach Temporal at ${address} (namespace ${namespace}): ${reason}`);
    this.name = 'TemporalUnreachableError';
  }
}

const CONNECT_TIMEOUT_MS = 10_000;

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000}s (${what})`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A client connection, proven by describing the namespace (so a wrong namespace fails here too). */
export async function connectClient(address: string, namespace: string): Promise<Client> {
  try {
    const connection = await withTimeout(Connection.connect({ address, connectTimeout: CONNECT_TIMEOUT_MS }), CONNECT_TIMEOUT_MS, 'connect');
    await withTimeout(connection.workflowService.describeNamespace({ namespace }), CONNECT_TIMEOUT_MS, 'describe namespace');
    return new Client({ connection, namespace });
  } catch (err) {
    throw new TemporalUnreachableError(address, namespace, err);
  }
}

/**
 * A Temporal client connected on first use (so an HTTP server starts, and serves everything
 * else, while Temporal is down); a failed connection is retried on the next use.
 */
export function lazyClient(connect: () => Promise<Client>): { get(): Promise<Client>; close(): Promise<void> } {
  let client: Promise<Client> | undefined;
  return {
    get() {
      client ??= connect().catch((err) => {
        client = undefined;
        throw err;
      });
      return client;
    },
    async close() {
      const c = await client?.catch(() => undefined);
      await c?.connection.close();
    },
  };
}

export async function connectWorkerConnection(address: string, namespace: string): Promise<NativeConnection> {
  // Loaded here only: at start, the worker SDK cost every other CLI command about 0.1 s and 16 MB.
  const { NativeConnection } = await import('@temporalio/worker');
  try {
    return await withTimeout(NativeConnection.connect({ address }), CONNECT_TIMEOUT_MS, 'connect');
  } catch (err) {
    throw new TemporalUnreachableError(address, namespace, err);
  }
}

/** How recently a poller must have polled to count as a running worker (a poll lasts up to ~70 s). */
export const LIVE_POLLER_WINDOW_MS = 120_000;

/** TASK_QUEUE_TYPE_WORKFLOW and TASK_QUEUE_TYPE_ACTIVITY (the proto package is the client's, types only here). */
const TASK_QUEUE_TYPES = [1, 2] as temporal.api.enums.v1.TaskQueueType[];

export interface LivePoller {
  taskQueue: string;
  identity: string;
  secondsAgo: number;
}

/**
 * The workers polling these task queues (workflow and activity pollers, by DescribeTaskQueue),
 * seen within LIVE_POLLER_WINDOW_MS: Temporal keeps a stopped worker in the list for minutes.
 */
export async function livePollers(client: Client, taskQueues: readonly string[], now = Date.now()): Promise<LivePoller[]> {
  const out = new Map<string, LivePoller>();
  for (const name of taskQueues) {
    for (const taskQueueType of TASK_QUEUE_TYPES) {
      const { pollers } = await client.workflowService.describeTaskQueue({ namespace: client.options.namespace, taskQueue: { name }, taskQueueType });
      for (const p of pollers ?? []) {
        const at = Number(p.lastAccessTime?.seconds ?? 0) * 1000 + Math.floor((p.lastAccessTime?.nanos ?? 0) / 1e6);
        if (now - at > LIVE_POLLER_WINDOW_MS) continue;
        const key = `${name}\u0000${p.identity}`;
        const secondsAgo = Math.max(0, Math.round((now - at) / 1000));
        if (!out.has(key) || out.get(key)!.secondsAgo > secondsAgo) out.set(key, { taskQueue: name, identity: p.identity ?? '', secondsAgo });
      }
    }
  }
  return [...out.values()];
}
