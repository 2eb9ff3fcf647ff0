import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phoneHash } from '../db/contacts';
import { publicIdOf } from '../db/public-ids';
import { seal, seedContacts } from './helpers/contacts';
import { isolatedDatabase, runCli, type TestDatabase } from './helpers/harness';

// No hash in what the operator's commands print (issue 17 review): a keyed hash of a number, or
// any prefix of one, finds the number by enumeration to whoever holds the lookup key, and is
// nothing an operator needs. The recovery commands used to print a case's full
// candidatePhoneHash. Every --json output below is searched for a field named like a hash and for
// any stored hash (or 12 characters of one) among its values.

const OLD = '+12125550821';
const NEW = '+12125550822';
let db: TestDatabase;
let caseId: number;
let env: Record<string, string>;

beforeAll(async () => {
  db = await isolatedDatabase();
  env = { DATABASE_URL: db.url };
  const [oldId, newId] = await seedContacts(db.pool, [{ phone: OLD, email: 'ann@example.com' }, { phone: NEW, email: 'ann@example.com' }]);
  const { rows } = await db.pool.query(
    `INSERT INTO recovery_cases (contact_id, old_phone_hash, detection_reason, candidate_contact_id, candidate_phone_hash, candidate_enc, confidence, evidence, excluded, state, detected_at, matched_at, closed_at, reply_kind)
     VALUES ($1, $2, 'unreachable', $3, $4, $5, 0.85, $6, '[]', 'confirmed', now(), now(), now(), 'confirm') RETURNING id`,
    [oldId, phoneHash(OLD), newId, phoneHash(NEW), seal(NEW), JSON.stringify([{ kind: 'same_email', confidence: 0.85, detail: 'a shared e-mail address' }])],
  );
  caseId = Number(rows[0].id);
  await db.pool.query(`INSERT INTO merge_audit (case_id, old_contact_id, new_contact_id, actor, cause, moved, at) VALUES ($1, $2, $3, 'recovery', 'confirm_reply', '{"consents": 1}', now())`, [caseId, oldId, newId]);
  const token = await runCli(['token', 'create', '--scope', 'messages:send', '--name', 'shop', '--json'], env);
  expect(token.code, token.stderr).toBe(0);
  env.REF = (await publicIdOf(db.pool, newId!))!;
});
afterAll(() => db?.drop());

/** Every key of a JSON value, at any depth. */
const keysOf = (v: unknown): string[] =>
  Array.isArray(v) ? v.flatMap(keysOf) : v && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => [k, ...keysOf(x)]) : [];

/** Every hash the database holds of a person or a secret (lookup hashes, token hashes). */
async function storedHashes(): Promise<string[]> {
  const { rows } = await db.pool.query<{ h: string }>(
    `SELECT phone_hash AS h FROM contacts UNION SELECT email_hash FROM contact_emails UNION SELECT old_phone_hash FROM recovery_cases
     UNION SELECT candidate_phone_hash FROM recovery_cases UNION SELECT encode(token_hash, 'hex') FROM api_tokens UNION SELECT encode(token_hash, 'base64') FROM api_tokens`,
  );
  return rows.map((r) => r.h).filter(Boolean);
}

describe('the operator commands print no hash', () => {
  it.each([
    [['recovery', 'show', '{case}']],
    [['recovery', 'list']],
    [['recovery', 'funnel']],
    [['token', 'list']],
    [['contact', 'show', NEW, '--reason', 'test read']],
    [['audit']],
    [['privacy', 'export', NEW, '--reason', 'DSR-5 access']], // JSON without --json
    [['campaign', 'list']],
    [['audience', 'tiers']],
    [['keys', 'status']],
  ])('reachloop %j --json', async (args) => {
    const r = await runCli([...args.map((a) => a.replace('{case}', String(caseId))), ...(args[0] === 'privacy' ? [] : ['--json'])], env);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(keysOf(out).filter((k) => /hash/i.test(k))).toEqual([]);
    const hashes = await storedHashes();
    expect(hashes.length).toBeGreaterThanOrEqual(5);
    expect(hashes.filter((h) => r.stdout.includes(h.slice(0, 12)))).toEqual([]);
  });
});
