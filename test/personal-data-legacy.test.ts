import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phoneHash, emailHash } from '../db/contacts';
import { migrate, readMigrations } from '../db/migrate';
import { loadRecipients } from '../db/recipients';
import { dataCodec } from '../infra/data-keys';
import { queryPlain } from './helpers/contacts';
import { isolatedDatabase, runCli, type TestDatabase } from './helpers/harness';
import { needlesOf } from './helpers/pii-needles';
import { findPersonalData } from './helpers/pii-scan';

// A database written before encryption at rest (migrations up to 0030: plaintext numbers, names,
// addresses, e-mails and rejected rows, bare SHA-256 lookup hashes) is converted by `reachloop
// migrate`: every value encrypted, every hash keyed (also those whose value is held nowhere, like
// an opt-out of a number never imported), the plaintext columns gone, the readers reading.

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const ANN = { phone: '+12125550701', email: 'ann.old@example.com', name: 'Ann Old', address: '1 Elm St, Albany' };
const STOPPED = '+12125550799'; // sent STOP before it was ever imported: only its hash is held

let db: TestDatabase;

beforeAll(async () => {
  db = await isolatedDatabase({ migrated: false });
  await migrate(db.pool, readMigrations().filter((f) => f.name < '0031'));
  const { rows } = await db.pool.query(
    `INSERT INTO contacts (phone_hash, phone_e164, line_type, country, language, time_zones, name, shipping_address, validity, number_status, tier)
     VALUES ($1, $2, 'mobile', 'US', 'en', '{America/New_York}', $3, $4, 'reachable', 'active', 'A') RETURNING id`,
    [sha(ANN.phone), ANN.phone, ANN.name, ANN.address],
  );
  const id = Number(rows[0].id);
  await db.pool.query('INSERT INTO contact_emails (contact_id, email_hash, email) VALUES ($1, $2, $3)', [id, sha(ANN.email), ANN.email]);
  await db.pool.query(`INSERT INTO consents (contact_id, channel, purpose, source, granted_at) VALUES ($1, 'sms', 'marketing', 'web_form', now())`, [id]);
  await db.pool.query(`INSERT INTO pending_opt_outs (phone_hash, channel, source, received_at) VALUES ($1, 'sms', 'sms_keyword', now())`, [sha(STOPPED)]);
  await db.pool.query(`INSERT INTO events (event_id, contact_id, phone_hash, raw_tag, occurred_at, source) VALUES ('old-1', $1, $2, 'login', now(), 'api')`, [id, sha(ANN.phone)]);
  const imp = await db.pool.query(`INSERT INTO imports (file_name, file_sha256, options, status) VALUES ('old.csv', 'x', '{}', 'completed') RETURNING id`);
  await db.pool.query(`INSERT INTO import_rejects (import_id, line_no, reason, detail, raw) VALUES ($1, 2, 'invalid_phone', 'too short', $2)`, [imp.rows[0].id, `+1212555,${ANN.email}`]);
});
afterAll(() => db?.drop());

describe('a database written before encryption at rest', () => {
  it('`reachloop migrate` encrypts every value, keys every hash, drops the plaintext columns, and the readers read', async () => {
    expect(await findPersonalData(db.pool, needlesOf([ANN.phone, ANN.email]))).not.toEqual([]); // it was there

    const r = await runCli(['migrate', '--json'], { DATABASE_URL: db.url });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.applied).toContain('0031_encrypted_personal_data.sql');
    expect(result.personalData).toMatchObject({ rehashed: true, encrypted: 5 }) // phone, name, address, e-mail, rejected row;
    expect(result.personalData.dropped).toEqual(expect.arrayContaining(['contacts.phone_e164', 'contacts.name', 'contact_emails.email', 'import_rejects.raw']));

    expect(await findPersonalData(db.pool, needlesOf([ANN.phone, ANN.email, STOPPED]))).toEqual([]);
    expect(await findPersonalData(db.pool, { texts: [ANN.name, ANN.address] })).toEqual([]);
    const [c] = await queryPlain(db.pool, 'SELECT id, phone_hash, phone_enc, name_enc, shipping_address_enc FROM contacts');
    expect(c).toMatchObject({ phone_hash: phoneHash(ANN.phone), phone_e164: ANN.phone, name: ANN.name, shipping_address: ANN.address });
    expect((await db.pool.query('SELECT email_hash FROM contact_emails')).rows[0].email_hash).toBe(emailHash(ANN.email));
    expect((await db.pool.query('SELECT phone_hash FROM pending_opt_outs')).rows[0].phone_hash).toBe(phoneHash(STOPPED));
    expect((await db.pool.query('SELECT phone_hash FROM events')).rows[0].phone_hash).toBe(phoneHash(ANN.phone));
    const [reject] = await queryPlain(db.pool, 'SELECT raw_enc FROM import_rejects');
    expect(reject!.raw).toBe(`+1212555,${ANN.email}`);
    const recipient = (await loadRecipients(db.pool, [Number(c!.id)], 'marketing')).get(Number(c!.id));
    expect(recipient).toMatchObject({ e164: ANN.phone, name: ANN.name, email: ANN.email });
    expect(dataCodec().decrypt((await db.pool.query('SELECT phone_enc FROM contacts')).rows[0].phone_enc)).toBe(ANN.phone);

    const again = await runCli(['migrate', '--json'], { DATABASE_URL: db.url });
    expect(JSON.parse(again.stdout).personalData).toBeUndefined(); // idempotent: nothing left to do
  });
});
