import { withPool } from '../db-session';
import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { sha256Hex } from '../../infra/data-codec';
import { dataCodec } from '../../infra/data-keys';
import { decryptEmails } from '../../db/contacts';
import type { Pool } from '../../db/pool';
import { emit, UsageError, type GlobalOptions } from '../cli-kit';

/** `reachloop audience export-hashed`: registered beside `audience` by client/main.ts (its own module: `audience` commands load no recovery code). */
export function registerExportHashed(program: Command): void {
  const audience = program.commands.find((c) => c.name() === 'audience') ?? program.command('audience');
  audience
    .command('export-hashed')
    .description('SHA-256 of E.164 numbers and lowercased e-mails for ad-platform customer match; raw data never leaves')
    .requiredOption('--out <file>', 'CSV file to write (phone_sha256,email_sha256)')
    .option('--segment <segment>', 'recovery (open cases and unmatched dead numbers) or all', 'recovery')
    .option('--json', 'print the summary as JSON')
    .action(async (flags: GlobalOptions & { out: string; segment: string }) => {
      if (!['recovery', 'all'].includes(flags.segment)) throw new UsageError('--segment must be recovery or all');
      await withPool(async (pool) => emit(await exportHashed(pool, flags.out, flags.segment as 'recovery' | 'all'), flags, (s) => `${s.rows} rows (${s.emails} with e-mail) written to ${s.out}`));
    });
}

/**
 * Google Customer Match and Meta custom audiences take SHA-256 hex of the phone in E.164 with the
 * leading + (Google: "+" and country code; Meta's docs strip the + - the digits are what count)
 * and of the trimmed, lowercased e-mail. Exported with the +, as Google documents.
 */
export async function exportHashed(pool: Pool, out: string, segment: 'recovery' | 'all'): Promise<{ out: string; rows: number; emails: number }> {
  const where =
    segment === 'all'
      ? `NOT EXISTS (SELECT 1 FROM contact_aliases a WHERE a.old_contact_id = c.id)`
      : `EXISTS (SELECT 1 FROM recovery_cases k WHERE k.contact_id = c.id AND k.state IN ('detected', 'matched', 'confirmation_sent', 'expired'))`;
  const { rows } = await pool.query(
    `SELECT c.phone_enc, (SELECT array_agg(e.email_enc) FROM contact_emails e WHERE e.contact_id = c.id) AS emails FROM contacts c WHERE ${where} ORDER BY c.id`,
  );
  const file = createWriteStream(out, { mode: 0o600 });
  file.write('phone_sha256,email_sha256\n');
  let emails = 0;
  const codec = dataCodec();
  for (const r of rows) {
    // The least address, as min(email) chose it when it was stored in clear; hashed from the decrypted value.
    const first = r.emails ? decryptEmails(r.emails)[0] : undefined;
    const email = first ? sha256Hex(first.trim().toLowerCase()) : '';
    if (email) emails++;
    file.write(`${sha256Hex(codec.decrypt(r.phone_enc))},${email}\n`);
  }
  await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { out, rows: rows.length, emails };
}

