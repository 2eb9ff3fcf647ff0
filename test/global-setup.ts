import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../infra/embedded-postgres';
import { freePort } from '../infra/net';
import { startTemporalDevServer } from '../infra/temporal-dev-server';
import { ensureTemporalCli, ensureTestServer } from '../infra/tools';
import { ensureWorkflowBundle } from '../worker/bundle';

/**
 * Once per test run: one real Temporal dev server, one real PostgreSQL, one workflow bundle.
 * Each test file then takes its own database and task queue (see helpers/harness.ts).
 */
export default async function setup(project: TestProject) {
  // The run's data keys (infra/data-keys.ts), inherited by the test files and the CLI they spawn.
  process.env.REACHLOOP_DATA_KEYS ??= `t1:${randomBytes(32).toString('base64')}`;
  process.env.REACHLOOP_LOOKUP_KEY ??= randomBytes(32).toString('base64');
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'reachloop-test-'));
  chmodSync(scratch, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
  const cli = await ensureTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH });
  const testServer = await ensureTestServer({ testServerPath: process.env.TEMPORAL_TEST_SERVER_PATH });
  if (cli.executable.type !== 'existing-path' || testServer.executable.type !== 'existing-path')
    throw new Error('tests need the Temporal binaries on disk: run `npm run setup`');
  const cliPath = cli.executable.path;

  const started = await Promise.allSettled([
    startEmbeddedPostgres({ dataDir: path.join(scratch, 'postgres', 'data'), preferredPort: await freePort(), database: 'reachloop' }),
    freePort().then((port) => startTemporalDevServer({ cliPath, port, namespace: 'default' })),
    ensureWorkflowBundle(),
  ] as const);
  const [pgResult, temporalResult, bundleResult] = started;
  if (pgResult.status === 'rejected' || temporalResult.status === 'rejected' || bundleResult.status === 'rejected') {
    if (pgResult.status === 'fulfilled') await pgResult.value.stop();
    if (temporalResult.status === 'fulfilled') await temporalResult.value.stop();
    const failure = started.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    throw failure.reason;
  }
  const [pg, temporal, bundle] = [pgResult.value, temporalResult.value, bundleResult.value];
  const bundlePath = bundle.codePath;

  project.provide('temporalAddress', temporal.address);
  project.provide('databaseAdminUrl', pg.url);
  project.provide('workflowBundlePath', bundlePath);
  project.provide('temporalCliPath', cliPath);
  project.provide('testServerPath', testServer.executable.path);

  return async () => {
    await temporal.stop();
    await pg.stop();
    rmSync(scratch, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseAdminUrl: string;
    workflowBundlePath: string;
    temporalCliPath: string;
    testServerPath: string;
  }
}
