import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultActivityDeps } from '../activities';
import { createSandboxSmsSender } from '../channels/sandbox-sms';
import { SCORE_POLICY_V1 } from '../core/score-policy';
import { emailHash, phoneHash } from '../db/contacts';
import { LOOKUP_HASH_COLUMNS } from '../db/personal-data';
import { base64Key, DataCodec, lookupHashStep, parseDataKeys } from '../infra/data-codec';
import { installDataKeys } from '../infra/data-keys';
import { buildServer } from '../server';
import { applyInboundSms } from '../services/inbound';
import { isolatedDatabase, runCli, startTestWorker, uniqueName, type TestDatabase, type TestWorker } from './helpers/harness';

// `reachloop keys rotate-lookup` through the real parts: contacts imported with e-mails by the CLI
// and the worker, one erased, opt-outs by STOP (of a contact, and of a number not yet imported),
// events through the API; the rotation refused while a worker polls, then run with the workers
// stopped; afterwards every stored hash is new, a process with the old chain is refused at start,
// and with the new chain every lookup still finds its row: by number and e-mail, a re-import
// merges, the erased e-mail and the opt-outs still apply at send time.

const NOW = new Date('2026-11-18T15:00:00Z'); // Wednesday 10:00 in New York: inside every window
const ANN = { phone: '+12125550411', email: 'ann.rotated@example.com' }; // erased
const BOB = { phone: '+12125550412', email: 'bob.rotated@example.com' }; // STOP
const CAI = { phone: '+12125550413', email: 'cai.rotated@example.com' }; // plain
const DAN = { phone: '+12125550414' }; // imported after the rotation with Ann's erased e-mail
const NEW = '+12125550415'; // STOP before it is a contact; imported after the rotation
const UNKNOWN = '+12125550416'; // an event of a number that is no contact
const TOKEN = 'rotation-test-token-0123456789';

const OLD_LOOKUP = process.env.REACHLOOP_LOOKUP_KEY!;
const NEW_KEY = randomBytes(32);
const CHAIN = `${OLD_LOOKUP},${NEW_KEY.toString('base64')}`;
const dataKeys = parseDataKeys(process.env.REACHLOOP_DATA_KEYS!) as Array<{ id: string; key: Buffer }>;

let db: TestDatabase;
let worker: TestWorker | undefined;
let app: FastifyInstance;
let base: string;
let env: Record<string, string>;
const sms = createSandboxSmsSender();
const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-lookup-rotation-'));

beforeAll(async () => {
  db = await isolatedDatabase();
  worker = await startTestWorker(defaultActivityDeps(db.pool, { sms, now: () => NOW }));
  env = { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: db.url, TEMPORAL_TASK_QUEUE: worker.taskQueue };
  app = buildServer({ pool: db.pool, events: { apiToken: TOKEN, now: () => NOW } });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app?.close();
  await worker?.stop();
  await db?.drop();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function cli(args: string[], extra: Record<string, string> = {}): Promise<any> {
  const r = await runCli(args, { ...env, ...extra }, 120_000);
  if (r.code !== 0) throw new Error(`reachloop ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  try {
    return JSON.parse(r.stdout);
  } catch {
    return r.stdout;
  }
}

const csv = (name: string, rows: string[]) => {
  const file = path.join(dir, name);
  writeFileSync(file, ['phone,email,name,country,opt_in_at,consent_source', ...rows].join('\n') + '\n');
  return file;
};
const row = (phone: string, email: string, name: string) => `${phone},${email},${name},US,2026-01-05,web_form`;

const stop = (from: string, sid: string) =>
  applyInboundSms({ pool: db.pool, policy: SCORE_POLICY_V1, now: () => NOW, log: () => {} }, { replayKey: `k-${sid}`, messageSid: sid, from, to: '+15005550006', body: 'STOP' });

const contactId = async (phone: string) => Number((await db.pool.query('SELECT id FROM contacts WHERE phone_hash = $1', [phoneHash(phone)])).rows[0]?.id ?? NaN);
const contactOfEmail = async (email: string) => Number((await db.pool.query('SELECT contact_id FROM contact_emails WHERE email_hash = $1', [emailHash(email)])).rows[0]?.contact_id ?? NaN);

/** Every stored lookup hash, per column. */
async function storedHashes(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [t, c] of LOOKUP_HASH_COLUMNS) out[`${t}.${c}`] = (await db.pool.query(`SELECT ${c} AS h FROM ${t} WHERE ${c} IS NOT NULL ORDER BY 1`)).rows.map((r) => r.h).sort();
  return out;
}

const rotate = (extra: string[] = [], queue?: string, vars: Record<string, string> = {}) =>
  runCli(['keys', 'rotate-lookup', ...extra], { ...env, ...(queue ? { TEMPORAL_TASK_QUEUE: queue } : {}), NEW_LOOKUP_KEY: NEW_KEY.toString('base64'), ...vars }, 120_000);

async function runCampaign(name: string): Promise<Array<{ contactId: string; decision: string; reason: string }>> {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\ncategory: marketing\nbrand: Acme\nchannels: { A: sms, B: sms, C: sms }\nfallback: false\ndeadline: 2026-11-18T17:00:00Z\ntemplates:\n  sms: { en: "Hi {{name}}, 20% off at {{brand}}." }\n`);
  const created = await cli(['campaign', 'create', file, '--json']);
  await cli(['campaign', 'launch', String(created.id), '--json']);
  for (let i = 0; i < 240; i++) {
    if ((await cli(['campaign', 'status', String(created.id), '--json'])).phase === 'completed') return cli(['campaign', 'decisions', String(created.id), '--json']);
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`campaign ${name} did not complete`);
}

describe('keys rotate-lookup', () => {
  let before: Record<string, string[]>;
  const ids: Record<string, number> = {};

  it('starts from contacts with e-mails, an erasure, opt-outs and events under the old key', async () => {
    const report = await cli(['audience', 'import', csv('first.csv', [row(ANN.phone, ANN.email, 'Ann'), row(BOB.phone, BOB.email, 'Bob'), row(CAI.phone, CAI.email, 'Cai')]), '--json']);
    expect(report.accepted).toBe(3);
    for (const [k, p] of Object.entries({ ANN, BOB, CAI })) ids[k] = await contactId(p.phone);
    await stop(BOB.phone, 'SMbob');
    await stop(NEW, 'SMnew');
    const events = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        events: [
          { event_id: 'r-1', event: 'order_paid', phone: CAI.phone, occurred_at: '2026-11-17T10:00:00Z', properties: { order_id: 'o1', product_id: 'p1', price: 20 } },
          { event_id: 'r-2', event: 'login', phone: UNKNOWN, occurred_at: '2026-11-17T11:00:00Z' },
        ],
      }),
    });
    expect(events.status).toBeLessThan(300);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM events WHERE event_id IN ('r-1', 'r-2')`)).rows[0].n).toBe(2);
    await cli(['privacy', 'erase', ANN.phone, '--reason', 'DSR-200 erasure', '--yes', '--json']);

    before = await storedHashes();
    for (const column of ['contacts.phone_hash', 'contact_emails.email_hash', 'events.phone_hash', 'pending_opt_outs.phone_hash', 'erased_identifiers.hash'])
      expect(before[column]!.length, column).toBeGreaterThan(0);
  }, 240_000);

  it.each([
    ['without --yes', ['--new-key-env', 'NEW_LOOKUP_KEY'], {}, /run it again with --yes/],
    ['with no new key', ['--yes'], {}, /exactly one of --new-key-env VAR or --generate/],
    ['with both ways of giving the key', ['--new-key-env', 'NEW_LOOKUP_KEY', '--generate', '--yes'], {}, /exactly one of/],
    ['--generate when the keys come from the environment', ['--generate', '--yes'], {}, /--generate is only for keys generated under the state folder/],
    ['a variable that is not set', ['--new-key-env', 'NO_SUCH_VAR_X', '--yes'], {}, /NO_SUCH_VAR_X: the variable is not set/],
    ['a variable that is not a key', ['--new-key-env', 'NEW_LOOKUP_KEY', '--yes'], { NEW_LOOKUP_KEY: 'not-a-key-secret' }, /must hold the base64 of 32 bytes/],
  ])('refuses %s (exit 2, one line, no key shown)', async (_, args, vars, message) => {
    const r = await rotate(args, uniqueName('tq'), vars);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toContain('not-a-key-secret');
  });

  it('refuses while a worker polls the task queue, and changes nothing', async () => {
    const r = await rotate(['--new-key-env', 'NEW_LOOKUP_KEY', '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/1 worker\(s\) poll the task queue \(.* on tq_\w+ and tq_\w+-bulk, \d+s ago\): stop every worker and the server first/);
    expect(await storedHashes()).toEqual(before);
    await cli(['keys', 'status']); // the old chain still starts
  });

  it('refuses while an import is staging rows (their hashes are under the current chain)', async () => {
    const { rows } = await db.pool.query(`INSERT INTO imports (file_name, file_sha256, options, status) VALUES ('staging.csv', 'ab', '{}', 'processing') RETURNING id`);
    try {
      const r = await rotate(['--new-key-env', 'NEW_LOOKUP_KEY', '--yes'], uniqueName('tq'));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`import(s) ${rows[0].id} are in progress`);
      expect(await storedHashes()).toEqual(before);
    } finally {
      await db.pool.query('DELETE FROM imports WHERE id = $1', [rows[0].id]);
    }
  });

  it('is all or nothing: a failure on the last tables leaves every hash and the recorded chain as they were', async () => {
    // erased_identifiers comes after contacts, e-mails, events and opt-outs in the rewrite.
    await db.pool.query(`CREATE FUNCTION refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full (simulated)'; END $$`);
    await db.pool.query(`CREATE TRIGGER refuse_rewrite BEFORE UPDATE ON erased_identifiers FOR EACH ROW EXECUTE FUNCTION refuse_rewrite()`);
    try {
      const r = await rotate(['--new-key-env', 'NEW_LOOKUP_KEY', '--yes'], uniqueName('tq'));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('disk full (simulated)');
      expect(await storedHashes()).toEqual(before);
      await cli(['keys', 'status']); // the old chain is still the recorded one
    } finally {
      await db.pool.query('DROP TRIGGER refuse_rewrite ON erased_identifiers; DROP FUNCTION refuse_rewrite()');
    }
  });

  it('rewrites every lookup hash in one transaction and records the new chain', async () => {
    await worker!.stop();
    worker = undefined;
    // A stopped worker stays in Temporal's poller list for a while: the run names a queue no worker polled.
    const r = await rotate(['--new-key-env', 'NEW_LOOKUP_KEY', '--yes', '--json'], uniqueName('tq'));
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const after = await storedHashes();
    for (const [column, olds] of Object.entries(before)) {
      expect(out.rewritten[column], column).toBe(olds.length);
      expect(after[column], column).toEqual(olds.map((h) => lookupHashStep(NEW_KEY, h)).sort());
      expect(after[column]!.filter((h) => olds.includes(h)), column).toEqual([]); // no stored hash equals its old value
    }
    expect(out).toMatchObject({ chainLength: 2, next: expect.stringContaining('REACHLOOP_LOOKUP_KEY="$REACHLOOP_LOOKUP_KEY,$NEW_LOOKUP_KEY"') });
    expect(r.stdout).not.toContain(NEW_KEY.toString('base64'));
  });

  it('a process with the old chain is refused at start with one line naming the fix; the new chain starts', async () => {
    const old = await runCli(['keys', 'status'], env);
    expect(old.code).toBe(1);
    expect(old.stderr.trim().split('\n')).toHaveLength(1);
    expect(old.stderr).toMatch(/REACHLOOP_LOOKUP_KEY is not the lookup key chain of this database.*rotate-lookup/);
    expect((await runCli(['keys', 'status'], { ...env, REACHLOOP_LOOKUP_KEY: NEW_KEY.toString('base64') })).code).toBe(1); // the new key alone is not the chain
    await cli(['keys', 'status'], { REACHLOOP_LOOKUP_KEY: CHAIN });
    // A second run with the old environment is refused rather than hashing twice.
    const again = await rotate(['--new-key-env', 'NEW_LOOKUP_KEY', '--yes'], uniqueName('tq'));
    expect(again.code).toBe(1);
  });

  it('with the new chain every lookup finds its row: number, e-mail, re-import, erased e-mail, opt-outs', async () => {
    installDataKeys(new DataCodec(dataKeys, dataKeys[0]!.id, [base64Key(OLD_LOOKUP)!, NEW_KEY]));
    worker = await startTestWorker(defaultActivityDeps(db.pool, { sms, now: () => NOW }));
    env = { ...env, TEMPORAL_TASK_QUEUE: worker.taskQueue, REACHLOOP_LOOKUP_KEY: CHAIN };

    expect(await contactId(CAI.phone)).toBe(ids.CAI);
    expect(await contactOfEmail(CAI.email)).toBe(ids.CAI);
    expect(await contactOfEmail(BOB.email)).toBe(ids.BOB);
    expect((await cli(['contact', 'show', CAI.phone, '--reason', 'ticket 12 rotation check', '--json'])).id).toBe(ids.CAI);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM events WHERE phone_hash = $1 AND contact_id IS NULL', [phoneHash(UNKNOWN)])).rows[0].n).toBe(1);
    expect((await db.pool.query(`SELECT kind FROM erased_identifiers WHERE hash = $1`, [emailHash(ANN.email)])).rows).toEqual([{ kind: 'email' }]);

    const count = Number((await db.pool.query('SELECT count(*) FROM contacts')).rows[0].count);
    const report = await cli(['audience', 'import', csv('again.csv', [row(ANN.phone, ANN.email, 'Ann'), row(BOB.phone, BOB.email, 'Bob'), row(CAI.phone, CAI.email, 'Cai'), row(DAN.phone, ANN.email, 'Dan'), row(NEW, '', 'Neo')]), '--json']);
    expect(report.accepted).toBe(5);
    expect(Number((await db.pool.query('SELECT count(*) FROM contacts')).rows[0].count)).toBe(count + 2); // Dan and Neo; the three others merged
    for (const [k, p] of Object.entries({ ANN, BOB, CAI })) expect(await contactId(p.phone), k).toBe(ids[k]);
    const dan = await contactId(DAN.phone);
    const neo = await contactId(NEW);
    expect((await db.pool.query(`SELECT channel, kind FROM suppressions WHERE contact_id = $1`, [neo])).rows).toEqual([expect.objectContaining({ kind: 'opt_out' })]); // the pending STOP found its number
    expect((await db.pool.query('SELECT count(*)::int AS n FROM pending_opt_outs')).rows[0].n).toBe(0);

    const decisions = await runCampaign('after-rotation');
    const of = (id: number) => decisions.filter((d) => Number(d.contactId) === id).map((d) => d.decision);
    expect(of(ids.CAI!)).toEqual(['SEND']);
    for (const [who, id] of Object.entries({ ann: ids.ANN!, bob: ids.BOB!, dan, neo })) expect(of(id), who).toEqual(['SKIP']);
    expect(sms.sent().map((m) => m.to)).toEqual([CAI.phone]);
  }, 240_000);
});

describe('keys rotate-lookup with the generated keys of the embedded default', () => {
  it('updates the generated key file; the old file is refused afterwards', async () => {
    const own = await isolatedDatabase({ migrated: false });
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-generated-keys-'));
    const genEnv = { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: own.url, TEMPORAL_TASK_QUEUE: uniqueName('tq'), REACHLOOP_STATE_DIR: stateDir, REACHLOOP_DATA_KEYS: '', REACHLOOP_LOOKUP_KEY: '' };
    try {
      const migrated = await runCli(['migrate'], genEnv, 120_000);
      expect(migrated.code, migrated.stderr).toBe(0); // generates the keys, records their fingerprints
      const first = readFileSync(path.join(stateDir, 'lookup-key'), 'utf8');
      const r = await runCli(['keys', 'rotate-lookup', '--generate', '--yes', '--json'], genEnv, 120_000);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ chainLength: 2, keyFile: path.join(stateDir, 'lookup-key') });
      const chain = readFileSync(path.join(stateDir, 'lookup-key'), 'utf8').trim().split(',');
      expect(chain).toHaveLength(2);
      expect(chain[0]).toBe(first.trim());
      expect((await runCli(['keys', 'status'], genEnv)).code).toBe(0);
      writeFileSync(path.join(stateDir, 'lookup-key'), first);
      const refused = await runCli(['keys', 'status'], genEnv);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('is not the lookup key chain of this database');
    } finally {
      await own.drop();
    }
  }, 120_000);
});
