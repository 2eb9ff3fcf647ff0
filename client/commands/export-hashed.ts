import { withPool } from '../session';
import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { contactsToExport, type ExportSegment } from '../../db/contact-export';
import { sha256Hex } from '../../infra/data-codec';
import type { Pool } from '../../db/pool';
import { addAuditDetail, recordAccess } from '../../db/audit';
import { emit, UsageError, type GlobalOptions } from '../cli-kit';
import { cliActor, requireReason } from '../contact-key';

/** `reachloop audience export-hashed`: registered beside `audience` by client/main.ts (its own module: `audience` commands load no recovery code). */
export function registerExportHashed(program: Command): void {
  const audience = program.commands.find((c) => c.name() === 'audience') ?? program.command('audience');
  audience
    .command('export-hashed')
    .description('SHA-256 of E.164 numbers and lowercased e-mails for ad-platform customer match; raw data never leaves')
    .requiredOption('--out <file>', 'CSV file to write (phone_sha256,email_sha256)')
    .option('--segment <segment>', 'recovery (open cases and unmatched dead numbers) or all', 'recovery')
    .option('--reason <why>', 'why the export is made (required; recorded in the access audit, `reachloop audit`)')
    .option('--json', 'print the summary as JSON')
    .action(async (flags: GlobalOptions & { out: string; segment: string; reason?: string }) => {
      if (!['recovery', 'all'].includes(flags.segment)) throw new UsageError('--segment must be recovery or all');
      const reason = requireReason(flags.reason);
      await withPool(async (pool) => {
        // Audited before anything is read; the row then gets the counts written.
        const auditId = await recordAccess(pool, { actor: cliActor(), action: 'audience.export_hashed', contactId: null, reason, detail: { segment: flags.segment } });
        const summary = await exportHashed(pool, flags.out, flags.segment as ExportSegment);
        await addAuditDetail(pool, auditId, { rows: summary.rows, emails: summary.emails });
        emit(summary, flags, (s) => `${s.rows} rows (${s.emails} with e-mail) written to ${s.out}`);
      });
    });
}

/**
 * Google Customer Match and Meta custom audiences take SHA-256 hex of the phone in E.164 with the
 * leading + (Google: "+" and country code; Meta's docs strip the + - the digits are what count)
 * and of the trimmed, lowercased e-mail. Exported with the +, as Google documents.
 */
export async function exportHashed(pool: Pool, out: string, segment: ExportSegment): Promise<{ out: string; rows: number; emails: number }> {
  const rows = await contactsToExport(pool, segment);
  const file = createWriteStream(out, { mode: 0o600 });
  file.write('phone_sha256,email_sha256\n');
  let emails = 0;
  for (const r of rows) {
    // The ad platforms' plain SHA-256, of the decrypted values.
    const email = r.email ? sha256Hex(r.email.trim().toLowerCase()) : '';
    if (email) emails++;
    file.write(`${sha256Hex(r.e164)},${email}\n`);
  }
  await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { out, rows: rows.length, emails };
}

