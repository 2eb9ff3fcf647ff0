import { randomBytes, randomInt } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { inject } from 'vitest';
import { migrate } from '../../db/migrate';
import { createPool, type Pool } from '../../db/pool';
import { projectRoot } from '../../infra/paths';
import { createWorker, type ReachloopWorker } from '../../worker';
import type { ActivityDeps } from '../../activities';

export const uniqueName = (prefix: string) => `${prefix}_${randomBytes(5).toString('hex')}`;

export interface TestDatabase {
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** A fresh database of its own on the run's PostgreSQL server, migrated. */
export async function isolatedDatabase(opts: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = inject('databaseAdminUrl');
  const name = uniqueName('t');
  const admin = createPool(adminUrl, 1);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = createPool(url.toString(), 10);
  if (opts.migrated !== false) {
    await migrate(pool);
    await offsetIds(pool);
  }
  return {
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      const a = createPool(adminUrl, 1);
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/**
 * Workflow ids are made of row ids (recovery-<contact id>, campaign-<id>, intake-<import id>) and
 * every test database shares one Temporal namespace, so the ids of each test database start at an
 * offset of their own: otherwise a test's signalWithStart of recovery-7 reached the workflow of
 * another test file that had a contact 7 (and no worker any more), and the case never moved. The
 * ids are beyond 32 bits, as a large deployment's would be.
 */
async function offsetIds(pool: Pool): Promise<void> {
  const base = randomInt(1, 4_000_000) * 1_000_000;
  await pool.query(`SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, $1, false) FROM pg_sequences WHERE schemaname = 'public'`, [base]);
}

export async function temporalClient(): Promise<Client> {
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  return new Client({ connection, namespace: 'default' });
}

export interface TestWorker {
  worker: ReachloopWorker;
  taskQueue: string;
  stop(): Promise<void>;
}

/** The real reachloop worker on a task queue of its own, with the run's prebuilt bundle. */
export async function startTestWorker(deps: ActivityDeps, opts: { connection?: NativeConnection; taskQueue?: string } = {}): Promise<TestWorker> {
  const connection = opts.connection ?? (await NativeConnection.connect({ address: inject('temporalAddress') }));
  const taskQueue = opts.taskQueue ?? uniqueName('tq');
  const worker = await createWorker({
    connection,
    namespace: 'default',
    taskQueue,
    deps,
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  const running = worker.run();
  return {
    worker,
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      if (!opts.connection) await connection.close();
    },
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const scratchStateDir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-cli-'));

/** Runs `reachloop ARGS` as a user would (a child process through bin/), with the given env. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'reachloop.mjs'), ...args], {
      // A state folder of its own, so a developer's running `reachloop dev` is never picked up.
      env: { ...process.env, REACHLOOP_STATE_DIR: scratchStateDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`reachloop ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
