import type { Client } from '@temporalio/client';
import { verifyDataKeys } from '../db/personal-data';
import { connectPool, type Pool } from '../db/pool';
import type { Config } from '../infra/config';
import { dataCodec } from '../infra/data-keys';
import { connectClient } from '../infra/temporal';
import { configOrExit, resolveDatabaseUrl, resolveTemporalAddress } from './cli-kit';

// The one way a command opens what it needs, and closes it whatever happens: a database pool (its
// data keys checked), a Temporal client, or both.

/** What a command that needs the database and Temporal works with. */
export interface Session {
  pool: Pool;
  client: Client;
  taskQueue: string;
  config: Config;
}

/** Runs fn with a pool on the configured database (at most `size` connections), closed afterwards. */
export async function withPool<T>(fn: (pool: Pool, config: Config) => Promise<T>, size = 4): Promise<T> {
  const config = configOrExit();
  const pool = await connectPool(resolveDatabaseUrl(config), size);
  try {
    await verifyDataKeys(pool, dataCodec());
    return await fn(pool, config);
  } finally {
    await pool.end();
  }
}

/** Runs fn with a client of the configured Temporal, closed afterwards (no database). */
export async function withTemporal<T>(fn: (client: Client, config: Config) => Promise<T>): Promise<T> {
  return clientOf(configOrExit(), fn);
}

/** Runs fn with a pool and a Temporal client, both closed afterwards. */
export async function withSession<T>(fn: (s: Session) => Promise<T>, size = 4): Promise<T> {
  return withPool((pool, config) => clientOf(config, (client) => fn({ pool, client, taskQueue: config.temporal.taskQueue, config })), size);
}

async function clientOf<T>(config: Config, fn: (client: Client, config: Config) => Promise<T>): Promise<T> {
  const client = await connectClient(resolveTemporalAddress(config), config.temporal.namespace);
  try {
    return await fn(client, config);
  } finally {
    await client.connection.close();
  }
}
