import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config';
import { startEmbeddedPostgres, type RunningPostgres } from './embedded-postgres';
import { preferredOrFreePort } from './net';
import { startTemporalDevServer } from './temporal-dev-server';
import { ensureTemporalCli } from './tools';

/**
 * The embedded default: a local Temporal dev server and an embedded PostgreSQL, both persisting
 * under the state folder. A running `reachloop dev` records where they are in dev-stack.json so
 * that other commands (in another terminal) find them without any configuration.
 */
export interface Endpoints {
  temporalAddress: string;
  namespace: string;
  databaseUrl: string;
  temporalUi?: string;
  httpUrl?: string;
}

export interface RunningStack extends Endpoints {
  stop(): Promise<void>;
}

const stackFile = (stateDir: string) => path.join(stateDir, 'dev-stack.json');

interface StackRecord extends Endpoints {
  pid: number;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Endpoints of a `reachloop dev` that is running now, if any. */
export function runningDevStack(stateDir: string): Endpoints | undefined {
  const file = stackFile(stateDir);
  if (!existsSync(file)) return undefined;
  try {
    const rec = JSON.parse(readFileSync(file, 'utf8')) as StackRecord;
    return isAlive(rec.pid) ? rec : undefined;
  } catch {
    return undefined;
  }
}

export function recordDevStack(stateDir: string, endpoints: Endpoints): () => void {
  const file = stackFile(stateDir);
  writeFileSync(file, JSON.stringify({ ...endpoints, pid: process.pid }, null, 2));
  return () => rmSync(file, { force: true });
}

export interface StartOptions {
  /** Start the Temporal Web UI (dev); tests leave it off. */
  ui?: boolean;
  log?: (line: string) => void;
}

/** Starts whatever of Temporal and PostgreSQL the configuration does not point elsewhere. */
export async function startStack(config: Config, opts: StartOptions = {}): Promise<RunningStack> {
  const log = opts.log ?? (() => {});
  mkdirSync(config.stateDir, { recursive: true });
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
  try {
    let pg: RunningPostgres | undefined;
    if (!config.databaseUrl) {
      pg = await startEmbeddedPostgres({ dataDir: path.join(config.stateDir, 'postgres', 'data') });
      stops.push(() => pg!.stop());
      log(`PostgreSQL (embedded)   ${pg.url.replace(/:[^:@/]+@/, ':***@')}`);
    }
    let temporalAddress = config.temporal.address;
    let temporalUi: string | undefined;
    if (!temporalAddress) {
      const tool = await ensureTemporalCli({ cliPath: config.temporal.cliPath, allowSdkDownload: true });
      const port = await preferredOrFreePort(7233);
      const uiPort = opts.ui ? await preferredOrFreePort(config.temporal.uiPort) : undefined;
      const dbFilename = path.join(config.stateDir, 'temporal.db');
      if (tool.executable.type === 'existing-path') {
        const server = await startTemporalDevServer({ cliPath: tool.executable.path, port, namespace: config.temporal.namespace, dbFilename, ...(uiPort ? { uiPort } : {}) });
        stops.push(() => server.stop());
      } else {
        // Last route: the SDK downloads the CLI itself (machines with internet only). Loaded here
        // only: @temporalio/testing brings the whole worker SDK, which every CLI command would
        // otherwise load at start (cli-kit needs runningDevStack from this module).
        const { TestWorkflowEnvironment } = await import('@temporalio/testing');
        const env = await TestWorkflowEnvironment.createLocal({
          server: { executable: tool.executable, ip: '127.0.0.1', port, namespace: config.temporal.namespace, dbFilename, ...(uiPort ? { ui: true, uiPort } : { ui: false }) },
        });
        stops.push(() => env.teardown());
      }
      temporalAddress = `127.0.0.1:${port}`;
      if (uiPort) temporalUi = `http://127.0.0.1:${uiPort}`;
      log(`Temporal (dev server)   ${temporalAddress}  namespace ${config.temporal.namespace}  [${tool.route}]`);
      if (temporalUi) log(`Temporal Web UI         ${temporalUi}`);
    }
    return {
      temporalAddress,
      namespace: config.temporal.namespace,
      databaseUrl: config.databaseUrl ?? pg!.url,
      ...(temporalUi ? { temporalUi } : {}),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
