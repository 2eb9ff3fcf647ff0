import type { Command } from 'commander';
import { CONTACT_POLICY } from '../../core/policy/contact-policy';
import type { Client } from '@temporalio/client';
import type { Pool } from '../../db/pool';
import type { Config } from '../../infra/config';
import { askSmsDoubleOptIn, ConfirmSmsError } from '../consent/confirm-sms';
import { CliError, emit, UsageError, type GlobalOptions } from '../cli-kit';
import { withPool, withSession } from '../session';

/** `reachloop consent ...`: consent upkeep (the SMS double opt-in where the contact policy asks it). */
export function registerConsent(program: Command): void {
  const consent = program.command('consent').description('consent upkeep: the SMS double opt-in where the contact policy asks for it');
  consent
    .command('confirm-sms')
    .description('ask contacts whose SMS consent is not double-opted-in (policy consent.doubleOptIn countries) to reply YES, once')
    .option('--country <codes>', 'only these countries, comma-separated (each must be in the policy\'s consent.doubleOptIn.countries)')
    .option('--brand <name>', 'brand in the SMS (default BRAND_NAME)')
    .option('--dry-run', 'count who would be asked, send nothing')
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      `
Where the contact policy turns the double opt-in on (consent.doubleOptIn, e.g. DE), an SMS marketing
consent counts only once the contact confirmed it. This sends ONE transactional SMS to each contact
of those countries whose SMS consent is not double-opted-in and who was never asked:
  "[Brand] Reply YES to receive offers by SMS, STOP to opt out"
as a transactional campaign (its ledger, the policy's transactional window; \`campaign status ID\`).
A YES sets the double opt-in with the reply as proof (message SID, text, time); STOP opts out.
Contacts whose consent no YES would make count (a bought list, a pre-ticked box in the EU) are not asked.

Examples:
  reachloop consent confirm-sms --dry-run --json
  reachloop consent confirm-sms --country DE`,
    )
    .action(async (flags: GlobalOptions & { country?: string; brand?: string; dryRun?: boolean }) => {
      const countries = flags.country?.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean);
      if (countries?.some((c) => !/^[A-Z]{2}$/.test(c))) throw new UsageError(`--country takes two-letter ISO codes, comma-separated, got "${flags.country}"`);
      // A dry run only reads: no Temporal client.
      const ask = async (pool: Pool, client: Client | null, config: Config) => {
        const r = await askSmsDoubleOptIn(
          { pool, client, policy: CONTACT_POLICY },
          { ...(countries ? { countries } : {}), dryRun: !!flags.dryRun, brand: flags.brand ?? config.brand, taskQueue: config.temporal.taskQueue, at: new Date() },
        );
        emit(r, flags, (x) => {
          const where = Object.entries(x.byCountry).map(([c, n]) => `${c} ${n}`).join(', ') || 'nobody';
          const skipped = x.notAskable ? `; ${x.notAskable} not asked (no YES would make their consent count)` : '';
          if (x.dryRun) return `would ask ${x.asked} contact(s) in ${x.countries.join(', ')}: ${where}${skipped}`;
          return x.campaignId === null ? `nobody to ask in ${x.countries.join(', ')}${skipped}` : `asked ${x.asked} contact(s) (${where}) by campaign ${x.campaignId} (workflow ${x.workflowId})${skipped}`;
        });
      };
      try {
        await (flags.dryRun ? withPool((pool, config) => ask(pool, null, config)) : withSession(({ pool, client, config }) => ask(pool, client, config)));
      } catch (err) {
        if (err instanceof ConfirmSmsError) throw new CliError(err.message);
        throw err;
      }
    });
}
