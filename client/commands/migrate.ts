import type { Command } from 'commander';
import { migrate } from '../../db/migrate';
import { connectPool } from '../../db/pool';
import { configOrExit, emit, resolveDatabaseUrl, type GlobalOptions } from '../cli-kit';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply pending SQL migrations from db/migrations (refuses edited, already-applied files)')
    .option('--json', 'print as JSON')
    .action(async (opts: GlobalOptions) => {
      const databaseUrl = resolveDatabaseUrl(configOrExit());
      const pool = await connectPool(databaseUrl, 2);
      try {
        const result = await migrate(pool);
        emit(result, opts, (r) =>
          [
            r.applied.length ? `applied ${r.applied.length}: ${r.applied.join(', ')}` : `up to date (${r.alreadyApplied.length} applied)`,
            ...(r.personalData
              ? [`personal data: ${r.personalData.encrypted} value(s) encrypted${r.personalData.rehashed ? ', lookup hashes keyed' : ''}${r.personalData.dropped.length ? `; plaintext columns dropped: ${r.personalData.dropped.join(', ')}` : ''}`]
              : []),
          ].join('\n'),
        );
      } finally {
        await pool.end();
      }
    });
}
