import type { PoolClient } from 'pg';
import type { Pool } from './pool';

/** Runs fn in one transaction on one client: COMMIT when it resolves, ROLLBACK when it throws. */
export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await inClientTransaction(client, () => fn(client));
  } finally {
    client.release();
  }
}

/** The same on a client the caller holds (one that keeps a session lock, as migrate does). */
export async function inClientTransaction<T>(client: Pick<PoolClient, 'query'>, fn: () => Promise<T>): Promise<T> {
  try {
    await client.query('BEGIN');
    const out = await fn();
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/**
 * Runs a transaction again when PostgreSQL aborted it as a deadlock victim or a serialization
 * failure (another writer, e.g. an import locking the same contacts in its own order).
 */
export async function withDeadlockRetry<T>(fn: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (i >= attempts || (code !== '40P01' && code !== '40001')) throw err;
      await new Promise((r) => setTimeout(r, 20 * i + Math.floor(Math.random() * 30)));
    }
  }
}

/**
 * Inside a transaction: runs fn with PostgreSQL's foreign-key checks off, when the role may turn
 * them off (a superuser, or one granted SET on session_replication_role), else with them on.
 *
 * Only for bulk writes whose every reference is to a row this transaction inserted or holds
 * locked: each check would re-read what the transaction itself just wrote. They cost about 6 µs
 * a row, a quarter of PostgreSQL's time in a first import of a million contacts (three child rows
 * per new contact). The tables written this way have no triggers of their own, so nothing else is
 * skipped. An error inside fn aborts the transaction, which restores the setting.
 */
export async function withoutReferenceChecks<T>(client: PoolClient, fn: () => Promise<T>): Promise<T> {
  const { rows } = await client.query<{ may: boolean }>(`SELECT has_parameter_privilege('session_replication_role', 'SET') AS may`);
  if (!rows[0]?.may) return fn();
  await client.query('SET LOCAL session_replication_role = replica');
  const out = await fn();
  await client.query('SET LOCAL session_replication_role = origin');
  return out;
}
