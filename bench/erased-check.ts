/**
 * What the send-time check of erased identifiers (db/privacy.ts ERASED_IDENTIFIER_SQL, read by
 * db/recipients.ts loadRecipients for every batch a campaign decides) costs: on a fresh embedded
 * PostgreSQL with `contacts` contacts (half with an e-mail) and `erased` erased identifiers of each
 * kind (e-mail and number),
 * loadRecipients over every contact in batches of 1,000, the check alone over the same batches,
 * and a floor (the batches' rows found by id, nothing computed); the figure is what the check adds
 * over the floor as a share of the recipient read, all measured in the same run (best of five).
 *
 *   npx tsx bench/erased-check.ts [contacts] [erased]
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { ERASED_IDENTIFIER_SQL } from '../db/privacy';
import { loadRecipients } from '../db/recipients';
import { emailHash } from '../db/contacts';
import { dataCodec } from '../infra/data-keys';
import { seedUsContacts } from './us-contacts';
import { startEmbeddedPostgres } from '../infra/embedded-postgres';
import { record } from './record';

const contacts = Number(process.argv[2] ?? 200_000);
const erased = Number(process.argv[3] ?? 10_000);
const BATCH = 1_000;

const scratch = mkdtempSync(path.join(os.tmpdir(), 'reachloop-bench-erased-'));
chmodSync(scratch, 0o755);
const pg = await startEmbeddedPostgres({ dataDir: path.join(scratch, 'pg') });
const pool = createPool(pg.url, 4);
try {
  await migrate(pool);
  await seedUsContacts(pool, contacts);
  // Half the contacts with an e-mail, encrypted and keyed as the application writes them.
  const withEmail = (await pool.query<{ id: string }>(`SELECT id FROM contacts WHERE id % 2 = 0 ORDER BY id`)).rows.map((r) => r.id);
  for (let i = 0; i < withEmail.length; i += 10_000) {
    const ids = withEmail.slice(i, i + 10_000);
    const emails = ids.map((id) => `c${id}@example.com`);
    await pool.query(`INSERT INTO contact_emails (contact_id, email_hash, email_enc) SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[])`, [ids, emails.map(emailHash), dataCodec().encryptMany(emails)]);
  }
  await pool.query(`INSERT INTO consents (contact_id, channel, purpose, source, granted_at) SELECT id, 'sms', 'marketing', 'web_form', now() FROM contacts`);
  // Erased identifiers: hashes of addresses and numbers no contact has (the common case), and a few that some have;
  // `erased` of each kind.
  await pool.query(`INSERT INTO erased_identifiers (kind, hash, contact_id, erased_at) SELECT 'email', md5('x' || g) || md5('y' || g), g, now() FROM generate_series(1, $1) g`, [erased - 100]);
  await pool.query(`INSERT INTO erased_identifiers (kind, hash, contact_id, erased_at) SELECT 'email', email_hash, contact_id, now() FROM contact_emails ORDER BY contact_id LIMIT 100`);
  await pool.query(`INSERT INTO erased_identifiers (kind, hash, contact_id, erased_at) SELECT 'phone', md5('p' || g) || md5('q' || g), g, now() FROM generate_series(1, $1) g`, [erased - 100]);
  await pool.query(`INSERT INTO erased_identifiers (kind, hash, contact_id, erased_at) SELECT 'phone', phone_hash, id, now() FROM contacts WHERE id % 2 = 1 ORDER BY id LIMIT 100`);
  await pool.query('VACUUM ANALYZE');
  const ids = (await pool.query<{ id: string }>('SELECT id FROM contacts ORDER BY id')).rows.map((r) => Number(r.id));
  const batches = Array.from({ length: Math.ceil(ids.length / BATCH) }, (_, i) => ids.slice(i * BATCH, (i + 1) * BATCH));

  const time = async (fn: (batch: number[]) => Promise<unknown>) => {
    const t0 = process.hrtime.bigint();
    for (const b of batches) await fn(b);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  const read = (b: number[]) => loadRecipients(pool, b, 'marketing');
  const check = (b: number[]) => pool.query(`SELECT c.id, ${ERASED_IDENTIFIER_SQL} AS erased FROM contacts c WHERE c.id = ANY($1::bigint[])`, [b]);
  // The floor: the same batches' rows found by id, nothing computed (the round trips and the lookup both carry).
  const bare = (b: number[]) => pool.query(`SELECT c.id FROM contacts c WHERE c.id = ANY($1::bigint[])`, [b]);
  if (process.env.BENCH_EXPLAIN) {
    for (const r of (await pool.query(`EXPLAIN (ANALYZE) SELECT c.id, ${ERASED_IDENTIFIER_SQL} AS erased FROM contacts c WHERE c.id = ANY($1::bigint[])`, [batches[0]])).rows) console.log(r['QUERY PLAN']);
  }
  await time(read); // warm
  await time(check);
  await time(bare);
  const runs: Array<{ readSeconds: number; checkSeconds: number; bareSeconds: number }> = [];
  for (let i = 0; i < 5; i++) runs.push({ readSeconds: await time(read), checkSeconds: await time(check), bareSeconds: await time(bare) });
  const best = (k: 'readSeconds' | 'checkSeconds' | 'bareSeconds') => Math.min(...runs.map((r) => r[k]));
  const suppressed = (await pool.query(`SELECT count(*)::int AS n FROM contacts c WHERE ${ERASED_IDENTIFIER_SQL}`)).rows[0].n;
  record('erased-check', {
    contacts,
    erasedIdentifiers: erased,
    contactsSuppressedByThem: suppressed,
    batch: BATCH,
    runs,
    recipientReadPerSecond: Math.round(contacts / best('readSeconds')),
    checkAlonePerSecond: Math.round(contacts / best('checkSeconds')),
    bareLookupPerSecond: Math.round(contacts / best('bareSeconds')),
    /** What the check adds over finding the rows, as a share of the whole recipient read. */
    checkShareOfRead: Number(((best('checkSeconds') - best('bareSeconds')) / best('readSeconds')).toFixed(3)),
    loadAverage: os.loadavg().map((x) => Number(x.toFixed(1))),
  });
} finally {
  await pool.end();
  await pg.stop();
  rmSync(scratch, { recursive: true, force: true });
}
