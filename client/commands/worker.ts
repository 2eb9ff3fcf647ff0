import type { Command } from 'commander';
import { startServices } from '../../infra/services';
import { configOrExit, resolveDatabaseUrl, resolveTemporalAddress } from '../cli-kit';
import { untilSignal } from '../signals';

/** Production shape: `reachloop worker` and `reachloop serve` against configured servers. */
export function registerWorkerAndServe(program: Command): void {
  program
    .command('worker')
    .description('run a worker (workflows + activities) against TEMPORAL_ADDRESS and DATABASE_URL')
    .option('--migrate', 'apply pending migrations before starting (default: refuse to start if any are pending)')
    .action(async (opts: { migrate?: boolean }) => runServices({ worker: true, http: false, migrate: !!opts.migrate }));
  program
    .command('serve')
    .description('run the HTTP server (webhooks, unsubscribe, events API) against TEMPORAL_ADDRESS and DATABASE_URL')
    .option('--migrate', 'apply pending migrations before starting')
    .action(async (opts: { migrate?: boolean }) => runServices({ worker: false, http: true, migrate: !!opts.migrate }));
}

async function runServices(what: { worker: boolean; http: boolean; migrate: boolean }): Promise<void> {
  const config = configOrExit();
  const services = await startServices({
    config,
    temporalAddress: resolveTemporalAddress(config),
    databaseUrl: resolveDatabaseUrl(config),
    ...what,
  });
  process.stderr.write(
    what.worker ? `worker running on task queue ${config.temporal.taskQueue}\n` : `HTTP server listening on ${services.httpUrl}\n`,
  );
  let failed = false;
  const reason = await untilSignal(services.done.catch((err: Error) => {
    failed = true;
    throw err;
  }));
  process.stderr.write(`${reason}: shutting down\n`);
  await services.stop();
  if (failed) process.exitCode = 1;
}
