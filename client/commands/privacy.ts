import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ErasureBlocked, erasePerson, exportedRows, exportPersonalData } from '../../services/privacy';
import { CliError, emit, UsageError, type GlobalOptions } from '../cli-kit';
import { cliActor, requireReason, resolveContactKey } from '../contact-key';
import { withPool } from '../session';
import { registerRetention } from './retention';

interface PersonFlags extends GlobalOptions {
  reason?: string;
  defaultCountry?: string;
}

/** `reachloop privacy export|erase|retention`: data subject requests and retention. */
export function registerPrivacy(program: Command): void {
  const privacy = program.command('privacy').description("data subject requests (a person's data exported or erased) and retention of personal data");
  privacy
    .command('export <contact>')
    .description('everything held about the person, as JSON: profile, e-mails, consents, suppressions, events, orders, messages sent, recovery cases, audit rows; the contacts merged into it; rows held by its numbers and addresses')
    .option('--reason <why>', 'why (required; recorded in the access audit): a ticket, not personal data')
    .option('--default-country <CC>', 'country of a number written without country code')
    .option('--out <file>', 'write the JSON to this file (readable by you only) instead of printing it')
    .addHelpText(
      'after',
      `
CONTACT is a contact id, its reference (ct_...) or its phone number. The export is recorded in
the access audit (reachloop audit) with your user name and --reason, before anything is read.

It holds what an erasure of the same contact removes:
  tables            the contact's rows, table by table (core/privacy/personal-data.ts)
  mergedEarlier     each older contact merged into it (a changed number), with when, and its rows
  heldByIdentifier  rows no contact id names, held by the person's numbers (current and merged),
                    customer ids, addresses, name: events that never attached, pending opt-outs,
                    the cached carrier lookup, rejected import lines (raw text) and warnings

Examples:
  reachloop privacy export ct_0123456789abcdef0123456789abcdef --reason "DSR-118: access request"
  reachloop privacy export +4915112345678 --reason "DSR-119" --out dsr-119.json`,
    )
    .action(async (key: string, flags: PersonFlags & { out?: string }) => {
      const reason = requireReason(flags.reason);
      if (flags.out) checkOutFile(flags.out); // before the read (and its audit row)
      await withPool(async (pool) => {
        const id = await resolveContactKey(pool, key, flags.defaultCountry);
        const data = await exportPersonalData(pool, id, { actor: cliActor(), reason }, new Date(), 'cli');
        if (!data) throw new CliError(`no contact ${key}`);
        const text = `${JSON.stringify(data, null, 2)}\n`;
        if (flags.out) {
          writeFileSync(flags.out, text, { mode: 0o600, flag: 'wx' });
          process.stdout.write(`contact ${id}: ${exportedRows(data)} row(s) written to ${flags.out}\n`);
        } else process.stdout.write(text);
      }, 2);
    });

  privacy
    .command('erase <contact>')
    .description("the person's data removed or irreversibly anonymised in every table; the number and addresses stay suppressed as keyed hashes")
    .option('--reason <why>', 'why (required; recorded in the access audit): a ticket, not personal data')
    .option('--default-country <CC>', 'country of a number written without country code')
    .option('--yes', 'erase: it cannot be undone (without it, nothing happens)')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
What erasure does (the plan, table by table: core/privacy/personal-data.ts):
  - number, name, shipping address, device ids, dates of the contact: nulled; e-mails, addresses,
    the source's customer ids and consents: deleted; proofs of opt-outs and complaints emptied;
    event properties keep only their numbers; raw text of import lines holding the number or an
    address emptied (line number and reason kept); older contacts merged into this one likewise;
  - refused (exit 1, nothing changed) while a changed-number case of the person is open: its
    workflow still acts on the number (reachloop recovery cancel CASE first);
  - kept: the anonymised contact row with its keyed number hash and an 'all' suppression (source
    erasure), and the keyed hashes of the e-mail addresses, so that a re-import of the number or
    an address never messages the person again; campaign rows, decisions and the send ledger (ids,
    states, times), so campaign counts and reports still add up; the audit rows (ids only).

Examples:
  reachloop privacy erase ct_0123456789abcdef0123456789abcdef --reason "DSR-120: erasure request" --yes`,
    )
    .action(async (key: string, flags: PersonFlags & { yes?: boolean }) => {
      const reason = requireReason(flags.reason);
      if (!flags.yes) throw new UsageError('erasure cannot be undone: add --yes to erase');
      await withPool(async (pool) => {
        const id = await resolveContactKey(pool, key, flags.defaultCountry);
        let report;
        try {
          report = await erasePerson(pool, id, { actor: cliActor(), reason }, new Date(), 'cli');
        } catch (err) {
          if (err instanceof ErasureBlocked) throw new CliError(err.message);
          throw err;
        }
        emit(report, flags, (r) =>
          [
            `erased contact ${r.contactId}${r.contacts.length > 1 ? ` and the ${r.contacts.length - 1} older contact(s) merged into it (${r.contacts.slice(1).join(', ')})` : ''} at ${r.erasedAt}`,
            ...Object.entries(r.rows)
              .filter(([, n]) => n > 0)
              .map(([t, n]) => `  ${t.padEnd(28)} ${n} row(s)`),
            '  the number and e-mail addresses stay suppressed (keyed hashes); campaign counts unchanged',
          ].join('\n'),
        );
      }, 2);
    });

  registerRetention(privacy);
}

/**
 * An export file must be new, in a folder that exists: an existing file is never overwritten (its
 * readers would keep reading, and it would keep its own permissions instead of owner-only).
 */
function checkOutFile(file: string): void {
  if (existsSync(file)) throw new UsageError(`--out ${file} exists: remove it or name a new file (an export never overwrites one)`);
  const dir = path.dirname(path.resolve(file));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--out ${file}: there is no folder ${dir}`);
}
