import { verifyDataKeys } from '../db/personal-data';
import { dataCodec } from '../infra/data-keys';
import { connectPool, type Pool } from '../db/pool';
import { configOrExit, resolveDatabaseUrl } from './cli-kit';

/** Runs fn with a pool on the configured database (at most `size` connections), closed afterwards. */
export async function withPool<T>(fn: (pool: Pool) => Promise<T>, size = 4): Promise<T> {
  const pool = await connectPool(resolveDatabaseUrl(configOrExit()), size);
  try {
    await verifyDataKeys(pool, dataCodec());
    return await fn(pool);
  } finally {
    await pool.end();
  }
}
