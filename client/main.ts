import { Command, CommanderError } from 'commander';
import { EXIT, exitCodeOf, formatError } from './cli-kit';
import { registerAudience } from './commands/audience';
import { registerConfig } from './commands/config';
import { registerCampaign } from './commands/campaign';
import { registerContact } from './commands/contact';
import { registerDemo } from './commands/demo';
import { registerDev } from './commands/dev';
import { registerEvents } from './commands/events';
import { registerMigrate } from './commands/migrate';
import { registerExportHashed, registerRecovery } from './commands/recovery';
import { registerSandbox } from './commands/sandbox';
import { registerSetup } from './commands/setup';
import { registerSmoke } from './commands/smoke';
import { registerWorkerAndServe } from './commands/worker';

export function buildProgram(): Command {
  const program = new Command('reachloop')
    .description('Campaign orchestration with frequency control, on Temporal.\nConfiguration comes from environment variables: see `reachloop config --help`.')
    .option('--verbose', 'show stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerDemo(program);
  registerDev(program);
  registerSmoke(program);
  registerAudience(program);
  registerExportHashed(program);
  registerContact(program);
  registerEvents(program);
  registerCampaign(program);
  registerRecovery(program);
  registerSandbox(program);
  registerMigrate(program);
  registerWorkerAndServe(program);
  registerConfig(program);
  registerSetup(program);
  program.commands.forEach((c) => c.exitOverride());
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0; usage errors are already printed.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    process.stderr.write(`${formatError(err, argv.includes('--verbose'))}\n`);
    return exitCodeOf(err);
  }
}
