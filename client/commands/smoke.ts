import type { Command } from 'commander';
import { emit, UsageError, type GlobalOptions } from '../cli-kit';
import { withSession } from '../session';
import { newSmokeLabel, renderSmoke, runSmokeFlow } from '../smoke-flow';

export function registerSmoke(program: Command): void {
  program
    .command('smoke')
    .description('run the smoke workflow through a running worker and read its rows back from PostgreSQL')
    .option('--label <label>', 'label of this run (workflow id smoke-LABEL)')
    .option('--wait <seconds>', 'durable wait between the two steps', '1')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nNeeds a worker: `reachloop dev` in another terminal, or TEMPORAL_ADDRESS/DATABASE_URL of a deployed one.')
    .action(async (opts: GlobalOptions & { label?: string; wait: string }) => {
      const waitSeconds = Number(opts.wait);
      if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new UsageError(`--wait must be a number of seconds, got "${opts.wait}"`);
      await withSession(async ({ client, pool, taskQueue }) => {
        const report = await runSmokeFlow(client, pool, taskQueue, opts.label ?? newSmokeLabel(), waitSeconds);
        emit(report, opts, renderSmoke);
      });
    });
}
