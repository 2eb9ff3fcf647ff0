import type { Command } from 'commander';
import { AUDIT_ACTIONS, parseSince } from '../../core/privacy/audit';
import { listAudit, type AuditRow } from '../../db/audit';
import { emit, importFlags, UsageError, type GlobalOptions } from '../cli-kit';
import { resolveContactKey } from '../contact-key';
import { withPool } from '../session';

/** `reachloop audit`: who read, exported or erased which contact's personal data, why and when. */
export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description("the access audit: every read of a contact's personal data, every export and erasure (who, what, which contact, why, when)")
    .option('--contact <id|ct_ref|phone>', 'only the rows about this contact')
    .option('--default-country <CC>', 'country of a --contact number written without country code')
    .option('--since <when>', 'only rows from this date (2026-12-01) or this far back (7d, 12h)')
    .option('--limit <n>', 'at most this many rows, newest first', '200')
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      `
Rows are written by: ${Object.keys(AUDIT_ACTIONS).join(', ')}.
The actor is cli:<operating-system user> or api:<token name>; the reason is the --reason given
(or the API request's "reason"). The audit holds contact ids, never numbers or addresses, and
stays when a contact is erased (name an erased contact by its id: its reference is gone).

Examples:
  reachloop audit --since 7d
  reachloop audit --contact ct_0123456789abcdef0123456789abcdef --json`,
    )
    .action(async (flags: GlobalOptions & { contact?: string; defaultCountry?: string; since?: string; limit: string }) => {
      const limit = importFlags.positive('limit', flags.limit, 100_000);
      const since = flags.since === undefined ? undefined : parseSince(flags.since, new Date());
      if (since === null) throw new UsageError(`--since must be a date such as 2026-12-01 or a duration such as 7d or 12h, got "${flags.since}"`);
      await withPool(async (pool) => {
        const contactId = flags.contact === undefined ? undefined : await resolveContactKey(pool, flags.contact, flags.defaultCountry);
        const rows = await listAudit(pool, { ...(contactId !== undefined ? { contactId } : {}), ...(since ? { since } : {}), limit });
        emit(rows, flags, render);
      }, 2);
    });
}

function render(rows: AuditRow[]): string {
  if (rows.length === 0) return 'no audit rows';
  return [
    `${rows.length} audit row(s), newest first`,
    ...rows.map((r) => `  ${r.at}  ${r.actor.padEnd(20)} ${r.action.padEnd(22)} ${r.contactId === null ? '-'.padEnd(12) : `contact ${r.contactId}`}  "${r.reason}"${Object.keys(r.detail).length ? `  ${JSON.stringify(r.detail)}` : ''}`),
  ].join('\n');
}
