import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate } from '../db/migrate';
import { createPool, type Pool } from '../db/pool';
import { startEmbeddedPostgres } from '../infra/embedded-postgres';

/** Runs fn on a fresh, migrated embedded PostgreSQL in a scratch folder, removed afterwards (pool of 4). */
export async function withScratchDatabase<T>(name: string, fn: (pool: Pool) => Promise<T>): Promise<T> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), `reachloop-bench-${name}-`));
  chmodSync(scratch, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
  const pg = await startEmbeddedPostgres({ dataDir: path.join(scratch, 'pg') });
  const pool = createPool(pg.url, 4);
  try {
    await migrate(pool);
    return await fn(pool);
  } finally {
    await pool.end();
    await pg.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}
