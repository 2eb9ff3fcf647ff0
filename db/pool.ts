import pg from 'pg';
import { maskUrl } from '../infra/config-display';

export type Pool = pg.Pool;

export function createPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 10_000 });
  // An idle client that errors (server restart) must not crash the process.
  pool.on('error', () => {});
  // Nor a checked-out one: a restart or failover terminates its connection (57P01) and emits
  // 'error' on the client, which without a listener killed `reachloop serve`. The query in flight
  // still rejects, and the pool replaces the connection when the client is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

export class DatabaseUnreachableError extends Error {
  constructor(url: string, cause: unknown) {
    super(`cannot reach PostgreSQL at ${maskUrl(url)}: ${(cause as Error).message || String(cause)}`);
    this.name = 'DatabaseUnreachableError';
  }
}

/** One round trip: the database answers (a health check). */
export async function ping(pool: pg.Pool): Promise<void> {
  await pool.query('SELECT 1');
}

/** Whether a database of that name exists on the server the client is connected to. */
export async function databaseExists(client: pg.ClientBase, name: string): Promise<boolean> {
  const res = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return res.rowCount === 1;
}

/** Opens a pool and proves it works with one round trip; a clear error otherwise. */
export async function connectPool(url: string, max = 10): Promise<pg.Pool> {
  const pool = createPool(url, max);
  try {
    await ping(pool);
    return pool;
  } catch (err) {
    await pool.end().catch(() => {});
    throw new DatabaseUnreachableError(url, err);
  }
}
