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
import os from 'node:os';
import { ERASED_IDENTIFIER_SQL } from '../db/privacy';
import { loadRecipients } from '../db/recipients';
import { seedEmailsOfHalf, seedUsContacts } from './us-contacts';
import { record } from './record';
import { withScratchDatabase } from './scratch-db';

const contacts = Number(process.argv[2] ?? 200_000);
const erased = Number(process.argv[3] ?? 10_000);
const BATCH = 1_000;

await withScratchDatabase('erased', async (pool) => {
  await seedUsContacts(pool, contacts);
  // Half the contacts with an e-mail, encrypted and keyed as the application writes them.
  await seedEmailsOfHalf(pool);
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
});
