import type { Command } from 'commander';
import { connectPool } from '../../db/pool';
import { runningDevStack, startStack, type RunningStack } from '../../infra/stack';
import { startServices, type RunningServices } from '../../infra/services';
import { connectClient } from '../../infra/temporal';
import { configOrExit, emit, type GlobalOptions } from '../cli-kit';
import { newSmokeLabel, renderSmoke, runSmokeFlow } from '../smoke-flow';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the main job on the embedded default, start to finish, then stop (uses a running `reachloop dev` if there is one)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: GlobalOptions) => {
      const config = configOrExit();
      const say = opts.json ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
      const dev = runningDevStack(config.stateDir);
      let stack: RunningStack | undefined;
      let services: RunningServices | undefined;
      try {
        let temporalAddress: string;
        let databaseUrl: string;
        if (dev) {
          say(`using the running dev stack (Temporal ${dev.temporalAddress})`);
          ({ temporalAddress, databaseUrl } = dev);
        } else {
          say('starting the embedded stack (Temporal dev server, PostgreSQL, worker) ...');
          stack = await startStack(config, { log: say });
          ({ temporalAddress, databaseUrl } = stack);
          services = await startServices({ config, temporalAddress, databaseUrl, worker: true, http: false, migrate: true });
        }
        const client = await connectClient(temporalAddress, config.temporal.namespace);
        const pool = await connectPool(databaseUrl, 2);
        try {
          say('running the smoke flow: workflow -> activity -> PostgreSQL -> read back ...');
          const report = await runSmokeFlow(client, pool, config.temporal.taskQueue, newSmokeLabel(), 1);
          emit(report, opts, renderSmoke);
        } finally {
          await pool.end();
          await client.connection.close();
        }
      } finally {
        await services?.stop();
        await stack?.stop();
      }
    });
}
