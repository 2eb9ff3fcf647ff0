import type { Command } from 'commander';
import { recordDevStack, runningDevStack, startStack } from '../../infra/stack';
import { startServices } from '../../infra/services';
import { CliError, configOrExit } from '../cli-kit';
import { untilSignal } from '../signals';

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('run the embedded stack in the foreground: Temporal dev server (+ UI), PostgreSQL, worker, HTTP server')
    .addHelpText(
      'after',
      `
Data persists under the state folder (REACHLOOP_STATE_DIR, default .reachloop/): stop with Ctrl-C
and start again, and it is all still there. Set TEMPORAL_ADDRESS or DATABASE_URL to use an
external server instead of the embedded one. Other commands (smoke, migrate, ...) run in another
terminal find this stack by themselves.`,
    )
    .action(async () => {
      const config = configOrExit();
      const other = runningDevStack(config.stateDir);
      if (other) throw new CliError(`a reachloop dev stack is already running (Temporal ${other.temporalAddress}); stop it first`);
      const say = (line: string) => process.stdout.write(`${line}\n`);
      say('starting the reachloop embedded stack ...');
      const stack = await startStack(config, { ui: true, log: say });
      let services;
      try {
        services = await startServices({ config, temporalAddress: stack.temporalAddress, databaseUrl: stack.databaseUrl, worker: true, http: true, migrate: true });
      } catch (err) {
        await stack.stop();
        throw err;
      }
      const forget = recordDevStack(config.stateDir, { ...stack, ...(services.httpUrl ? { httpUrl: services.httpUrl } : {}) });
      say(`Worker                  task queue ${config.temporal.taskQueue}`);
      say(`HTTP server             ${services.httpUrl}`);
      say(`State folder            ${config.stateDir}`);
      say('ready. Try `npx reachloop smoke` in another terminal. Ctrl-C stops everything.');
      const reason = await untilSignal(services.done);
      say(`\n${reason}: shutting down ...`);
      forget();
      await services.stop();
      await stack.stop();
      say('stopped; data kept in the state folder.');
    });
}
