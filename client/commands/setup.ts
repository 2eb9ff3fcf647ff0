import type { Command } from 'commander';
import { ensureTemporalCli, ensureTestServer } from '../../infra/tools';
import { configOrExit, emit, type GlobalOptions } from '../cli-kit';

export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description('install the Temporal CLI (dev server) and the time-skipping test server into .tools/ (idempotent)')
    .option('--no-test-server', 'skip the time-skipping test server (only tests need it)')
    .option('--json', 'print as JSON')
    .action(async (opts: GlobalOptions & { testServer: boolean }) => {
      const config = configOrExit();
      const log = opts.json ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
      const cli = await ensureTemporalCli({ cliPath: config.temporal.cliPath, allowSdkDownload: true, log });
      const testServer = opts.testServer
        ? await ensureTestServer({ testServerPath: config.temporal.testServerPath, allowSdkDownload: true, log })
        : undefined;
      emit({ temporalCli: cli, testServer }, opts, () => 'Temporal tools ready.');
    });
}
