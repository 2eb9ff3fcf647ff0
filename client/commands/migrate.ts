import type { Command } from 'commander';
import { migrate, pendingMigrations } from '../../db/migrate';
import { connectPool } from '../../db/pool';
import { CliError, configOrExit, emit, resolveDatabaseUrl, type GlobalOptions } from '../cli-kit';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply pending SQL migrations from db/migrations (refuses edited, already-applied files)')
    .option('--check', 'apply nothing: exit 0 when every migration is applied, 1 (listing them) when some are pending')
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      `
\`reachloop migrate --check\` is what a process that must not start on an old schema waits on:
docker-compose.yml's worker applies the migrations (\`worker --migrate\`) and reports healthy by
this check, and the HTTP server starts only once it is.`,
    )
    .action(async (opts: GlobalOptions & { check?: boolean }) => {
      const databaseUrl = resolveDatabaseUrl(configOrExit());
      const pool = await connectPool(databaseUrl, 2);
      try {
        if (opts.check) {
          const pending = await pendingMigrations(pool);
          if (pending.length && !opts.json) throw new CliError(`${pending.length} pending migration(s): ${pending.join(', ')}`);
          emit({ pending }, opts, () => 'up to date');
          if (pending.length) throw new CliError(`${pending.length} pending migration(s)`);
          return;
        }
        const result = await migrate(pool);
        emit(result, opts, (r) =>
          [
            r.applied.length ? `applied ${r.applied.length}: ${r.applied.join(', ')}` : `up to date (${r.alreadyApplied.length} applied)`,
            ...(r.personalData
              ? [`personal data: ${r.personalData.encrypted} value(s) encrypted${r.personalData.rehashed ? ', lookup hashes keyed' : ''}${r.personalData.dropped.length ? `; plaintext columns dropped: ${r.personalData.dropped.join(', ')}` : ''}`]
              : []),
            ...(r.sealedBodies ? [`inbound SMS texts sealed: ${r.sealedBodies}`] : []),
            ...(r.rekeyedMessages ? [`API message hashes keyed: ${r.rekeyedMessages}`] : []),
          ].join('\n'),
        );
      } finally {
        await pool.end();
      }
    });
}
