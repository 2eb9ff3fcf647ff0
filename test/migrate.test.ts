import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, MigrationError, pendingMigrations, readMigrations, type MigrationFile } from '../db/migrate';
import { isolatedDatabase, runCli, type TestDatabase } from './helpers/harness';

let db: TestDatabase;
beforeAll(async () => {
  db = await isolatedDatabase({ migrated: false });
});
afterAll(() => db?.drop());

const file = (name: string, sql: string): MigrationFile => ({ name, sql, checksum: `sum-of-${sql}` });

describe('migration runner', () => {
  it('applies every file in order once, records checksums, and is a no-op the second time', async () => {
    const files = readMigrations();
    expect(files.map((f) => f.name)).toEqual([...files.map((f) => f.name)].sort());
    expect(await pendingMigrations(db.pool)).toEqual(files.map((f) => f.name));
    const first = await migrate(db.pool);
    expect(first.applied).toEqual(files.map((f) => f.name));
    const second = await migrate(db.pool);
    expect(second).toEqual({ applied: [], alreadyApplied: files.map((f) => f.name) });
    const { rows } = await db.pool.query('SELECT name, checksum FROM schema_migrations ORDER BY name');
    expect(rows).toEqual(files.map((f) => ({ name: f.name, checksum: f.checksum })));
    expect(await pendingMigrations(db.pool)).toEqual([]);
  });

  it('refuses an edited, already-applied file', async () => {
    const files = readMigrations();
    const edited = files.map((f, i) => (i === 0 ? { ...f, checksum: 'f'.repeat(64) } : f));
    await expect(migrate(db.pool, edited)).rejects.toThrow(/was edited after it was applied/);
  });

  it('refuses when an applied file disappeared', async () => {
    await expect(migrate(db.pool, readMigrations().slice(1))).rejects.toThrow(/missing from db\/migrations/);
  });

  it('rolls back a failing migration completely and names it', async () => {
    const files = [...readMigrations(), file('9998_half.sql', 'CREATE TABLE half_done (x int); SELECT no_such_function();')];
    const err = await migrate(db.pool, files).catch((e) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect(err.message).toMatch(/9998_half.sql failed/);
    const { rows } = await db.pool.query(`SELECT to_regclass('half_done') AS t`);
    expect(rows[0].t).toBeNull();
    expect(await pendingMigrations(db.pool, files)).toEqual(['9998_half.sql']);
  });

  it('lets concurrent runners take turns (advisory lock): each file applied exactly once', async () => {
    const fresh = await isolatedDatabase({ migrated: false });
    try {
      const results = await Promise.all([migrate(fresh.pool), migrate(fresh.pool), migrate(fresh.pool)]);
      const appliedCount = results.reduce((n, r) => n + r.applied.length, 0);
      expect(appliedCount).toBe(readMigrations().length);
    } finally {
      await fresh.drop();
    }
  });
});

describe('reachloop migrate --check', () => {
  it('exits 1 naming the pending migrations, 0 once none is pending, and applies nothing itself', async () => {
    const fresh = await isolatedDatabase({ migrated: false });
    try {
      const env = { DATABASE_URL: fresh.url };
      const before = await runCli(['migrate', '--check'], env);
      expect(before.code).toBe(1);
      expect(before.stderr).toMatch(new RegExp(`${readMigrations().length} pending migration\\(s\\): ${readMigrations()[0]!.name}`));
      expect(await pendingMigrations(fresh.pool)).toHaveLength(readMigrations().length);
      const json = await runCli(['migrate', '--check', '--json'], env);
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout).pending).toEqual(readMigrations().map((f) => f.name));
      await migrate(fresh.pool);
      const after = await runCli(['migrate', '--check', '--json'], env);
      expect(after.code, after.stderr).toBe(0);
      expect(JSON.parse(after.stdout)).toEqual({ pending: [] });
    } finally {
      await fresh.drop();
    }
  });
});
