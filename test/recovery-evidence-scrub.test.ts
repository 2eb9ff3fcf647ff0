import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phoneHash } from '../db/contacts';
import { migrate, readMigrations } from '../db/migrate';
import { seedContacts } from './helpers/contacts';
import { isolatedDatabase, type TestDatabase } from './helpers/harness';

// Changed-number cases written before 0035 kept 12-digit prefixes of keyed hashes in their evidence
// and excluded candidates; the migration leaves words and ids only, and nothing else of the case.

const SCRUBBED = '0035_recovery_evidence_without_hashes';
let db: TestDatabase;
let caseId: number;

beforeAll(async () => {
  db = await isolatedDatabase({ migrated: false });
  const all = readMigrations();
  expect(all.map((f) => f.name)).toContain(`${SCRUBBED}.sql`);
  await migrate(db.pool, all.filter((f) => f.name < SCRUBBED));
  const [oldId, newId] = await seedContacts(db.pool, [{ phone: '+12125550801' }, { phone: '+12125550802' }]);
  const evidence = [
    { kind: 'same_email', confidence: 0.85, detail: 'email 3fa2b1c4d5e6' },
    { kind: 'same_address', confidence: 0.6, detail: 'address 0a1b2c3d4e5f' },
    { kind: 'self_reported', confidence: 0.9, detail: 'reported by the customer' },
  ];
  const excluded = [{ contactId: 7, phoneHashPrefix: 'deadbeef0123', reason: 'outranked', confidence: 0.5 }, { contactId: null, phoneHashPrefix: '0123456789ab', reason: 'erased', confidence: 0.85 }];
  const { rows } = await db.pool.query(
    `INSERT INTO recovery_cases (contact_id, old_phone_hash, detection_reason, candidate_contact_id, evidence, excluded, state, detected_at)
     VALUES ($1, $2, 'unreachable', $3, $4, $5, 'matched', now()) RETURNING id`,
    [oldId, phoneHash('+12125550801'), newId, JSON.stringify(evidence), JSON.stringify(excluded)],
  );
  caseId = Number(rows[0].id);
  await migrate(db.pool, all);
});
afterAll(async () => {
  await db?.drop();
});

describe(`migration ${SCRUBBED}`, () => {
  it('rewrites the evidence in words and drops the hash prefixes of excluded candidates, in order', async () => {
    const { rows } = await db.pool.query('SELECT evidence, excluded, state FROM recovery_cases WHERE id = $1', [caseId]);
    expect(rows[0].evidence).toEqual([
      { kind: 'same_email', confidence: 0.85, detail: 'a shared e-mail address' },
      { kind: 'same_address', confidence: 0.6, detail: 'a shared shipping address' },
      { kind: 'self_reported', confidence: 0.9, detail: 'reported by the customer' },
    ]);
    expect(rows[0].excluded).toEqual([{ contactId: 7, reason: 'outranked', confidence: 0.5 }, { contactId: null, reason: 'erased', confidence: 0.85 }]);
    expect(rows[0].state).toBe('matched');
  });
});
