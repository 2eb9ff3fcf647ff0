import { randomBytes } from 'node:crypto';
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
  if (opts.migrated !== false) await migrate(pool);
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
