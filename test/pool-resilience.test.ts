import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../db/pool';
import { isolatedDatabase, type TestDatabase } from './helpers/harness';

// PostgreSQL restarts and failovers terminate connections (57P01 "terminating connection due to
// administrator command"). A client checked out of the pool at that moment emitted an unhandled
// 'error' that ended `reachloop serve`; the process must survive and the next query work.

let db: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  db = await isolatedDatabase();
  pool = createPool(db.url, 2);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('a connection terminated under a checked-out client', () => {
  it('does not crash the process; the pool serves the next query', async () => {
    const client = await pool.connect();
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
    // The terminated connection reports itself: the next query on it rejects, nothing is unhandled.
    await new Promise((r) => setTimeout(r, 200));
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release(true);
    expect((await pool.query<{ n: number }>('SELECT 1 AS n')).rows[0]!.n).toBe(1);
  });
});
