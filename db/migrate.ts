import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from './pool';
import { dataCodec } from '../infra/data-keys';
import { migrationsDir } from '../infra/paths';
import { finishLegacyPersonalData, verifyDataKeys } from './personal-data';
import { rekeyLegacyMessageHashes } from './messages';
import { sealLegacyBodies } from './sealed-fields';
import { inClientTransaction } from './transaction';

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
  /** The conversion of a database written before encryption at rest (db/personal-data.ts), when it did something. */
  personalData?: { rehashed: boolean; encrypted: number; dropped: string[] };
  /** Inbound SMS bodies stored in clear before migration 0034, sealed now. */
  sealedBodies?: number;
  /** API messages whose bare SHA-256 hashes (before migration 0038) were keyed now. */
  rekeyedMessages?: number;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

const FILE_PATTERN = /^(\d{4})_[a-z0-9_]+\.sql$/;

/** The migration files in order. Names are NNNN_words.sql; anything else in the folder is an error. */
export function readMigrations(dir = migrationsDir): MigrationFile[] {
  const names = readdirSync(dir).filter((n) => n.endsWith('.sql')).sort();
  const bad = names.filter((n) => !FILE_PATTERN.test(n));
  if (bad.length) throw new MigrationError(`migration file names must look like 0001_words.sql: ${bad.join(', ')}`);
  return names.map((name) => {
    const sql = readFileSync(path.join(dir, name), 'utf8');
    return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
  });
}

/**
 * Applies the pending migrations, each in its own transaction, recording name and checksum.
 * Refuses to run if an applied file was edited since (its checksum changed) or is missing.
 * An advisory lock makes concurrent runners (several workers starting) take turns.
 */
export async function migrate(pool: Pool, files: MigrationFile[] = readMigrations()): Promise<MigrationResult> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(7243001)');
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations');
    const recorded = new Map(rows.map((r) => [r.name, r.checksum]));
    const known = new Set(files.map((f) => f.name));
    const missing = [...recorded.keys()].filter((n) => !known.has(n));
    if (missing.length) throw new MigrationError(`applied migrations are missing from db/migrations: ${missing.join(', ')}`);
    for (const f of files) {
      const sum = recorded.get(f.name);
      if (sum !== undefined && sum !== f.checksum)
        throw new MigrationError(`migration ${f.name} was edited after it was applied (checksum ${sum.slice(0, 12)} -> ${f.checksum.slice(0, 12)}); add a new migration instead`);
    }
    const result: MigrationResult = { applied: [], alreadyApplied: [] };
    for (const f of files) {
      if (recorded.has(f.name)) {
        result.alreadyApplied.push(f.name);
        continue;
      }
      try {
        await inClientTransaction(client, async () => {
          await client.query(f.sql);
          await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [f.name, f.checksum]);
        });
      } catch (err) {
        throw new MigrationError(`migration ${f.name} failed: ${(err as Error).message}`);
      }
      result.applied.push(f.name);
    }
    const converted = await finishLegacyPersonalData(client, dataCodec());
    if (converted.rehashed || converted.encrypted || converted.dropped.length) result.personalData = converted;
    const sealedBodies = await sealLegacyBodies(client);
    if (sealedBodies) result.sealedBodies = sealedBodies;
    const rekeyedMessages = await rekeyLegacyMessageHashes(client, dataCodec());
    if (rekeyedMessages) result.rekeyedMessages = rekeyedMessages;
    await verifyDataKeys(client, dataCodec());
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock(7243001)').catch(() => {});
    client.release();
  }
}

/** Names of migrations not yet applied (without applying them). */
export async function pendingMigrations(pool: Pool, files: MigrationFile[] = readMigrations()): Promise<string[]> {
  const exists = await pool.query(`SELECT to_regclass('schema_migrations') AS t`);
  if (!exists.rows[0]?.t) return files.map((f) => f.name);
  const { rows } = await pool.query<{ name: string }>('SELECT name FROM schema_migrations');
  const applied = new Set(rows.map((r) => r.name));
  return files.map((f) => f.name).filter((n) => !applied.has(n));
}
