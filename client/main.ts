import { Command, CommanderError } from 'commander';
import { EXIT, exitCodeOf, formatError } from './cli-kit';

type Register = (program: Command) => void;

/**
 * The top-level commands, in help order, each with the module that registers it. A run loads only
 * the command it names (a CLI that loaded the worker, the dev stack and the sandbox for every
 * command spent over a second starting); help, and an unknown command, load them all.
 */
const COMMANDS: ReadonlyArray<readonly [names: readonly string[], load: () => Promise<Register>]> = [
  [['demo'], async () => (await import('./commands/demo')).registerDemo],
  [['dev'], async () => (await import('./commands/dev')).registerDev],
  [['smoke'], async () => (await import('./commands/smoke')).registerSmoke],
  [
    ['audience'],
    async () => {
      const [audience, exportHashed] = await Promise.all([import('./commands/audience'), import('./commands/export-hashed')]);
      return (program) => {
        audience.registerAudience(program);
        exportHashed.registerExportHashed(program);
      };
    },
  ],
  [['contact'], async () => (await import('./commands/contact')).registerContact],
  [['privacy'], async () => (await import('./commands/privacy')).registerPrivacy],
  [['audit'], async () => (await import('./commands/audit')).registerAudit],
  [['events'], async () => (await import('./commands/events')).registerEvents],
  [['campaign'], async () => (await import('./commands/campaign')).registerCampaign],
  [['winback'], async () => (await import('./commands/schedule')).registerWinback],
  [['schedule'], async () => (await import('./commands/schedule')).registerSchedule],
  [['policy'], async () => (await import('./commands/policy')).registerPolicy],
  [['recovery'], async () => (await import('./commands/recovery')).registerRecovery],
  [['consent'], async () => (await import('./commands/consent')).registerConsent],
  [['token'], async () => (await import('./commands/token')).registerToken],
  [['keys'], async () => (await import('./commands/keys')).registerKeys],
  [['ledger'], async () => (await import('./commands/ledger')).registerLedger],
  [['sandbox'], async () => (await import('./commands/sandbox')).registerSandbox],
  [['migrate'], async () => (await import('./commands/migrate')).registerMigrate],
  [['worker', 'serve'], async () => (await import('./commands/worker')).registerWorkerAndServe],
  [['config'], async () => (await import('./commands/config')).registerConfig],
  [['doctor'], async () => (await import('./commands/doctor')).registerDoctor],
  [['setup'], async () => (await import('./commands/setup')).registerSetup],
];

/** The program with the command argv names (the first word that is not an option), or all of them. */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('reachloop')
    .description('Campaign orchestration with frequency control, on Temporal.\nConfiguration comes from environment variables: see `reachloop config --help`.')
    .option('--verbose', 'show stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const asked = argv.slice(2).find((a) => !a.startsWith('-'));
  const only = COMMANDS.filter(([names]) => asked !== undefined && names.includes(asked));
  const registers = await Promise.all((only.length ? only : COMMANDS).map(([, load]) => load()));
  for (const register of registers) register(program);
  program.commands.forEach((c) => c.exitOverride());
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
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
