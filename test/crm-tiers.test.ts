import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { defaultActivityDeps } from '../activities';
import { generateCrmFiles, type CrmFiles } from '../bench/crm-file';
import type { NumberStatus } from '../core/number-status';
import { CURRENT_SCORE_POLICY, parseScorePolicy } from '../core/score-policy';
import { createSandboxLookup } from '../channels/sandbox-lookup';
import type { TierDistribution } from '../db/tiers';
import { isolatedDatabase, runCli, startTestWorker, type TestDatabase, type TestWorker } from './helpers/harness';
import { queryPlain } from './helpers/contacts';
import { phoneHash } from '../db/contacts';

// Issue 20: a CRM export and its event history imported as a new user would, through the real
// CLI; the score policy must separate the audience into all four tiers, A the small reachable,
// active, high-value group, D the dead numbers and risky registrations.

const CLOCK = new Date('2026-11-25T12:00:00Z');
let db: TestDatabase;
let worker: TestWorker;
let env: Record<string, string>;
let files: CrmFiles;
const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-crm-'));

beforeAll(async () => {
  files = await generateCrmFiles(dir, 2_000, { seed: 7, asOf: CLOCK });
  db = await isolatedDatabase();
  // The carrier (the only fake): the file's dead numbers are not in service, every other valid number is a live mobile.
  const lookup = createSandboxLookup(new Map<string, NumberStatus>(files.dead.map((e164) => [e164, 'empty'])));
  worker = await startTestWorker(defaultActivityDeps(db.pool, { now: () => CLOCK, lookup }));
  env = { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: db.url, TEMPORAL_TASK_QUEUE: worker.taskQueue };
}, 60_000);
afterAll(async () => {
  await worker?.stop();
  await db?.drop();
});

const cli = async (args: string[]) => {
  const r = await runCli(args, env, 180_000);
  if (r.code !== 0) throw new Error(`reachloop ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout);
};

describe('a CRM export and its events, imported through the CLI', () => {
  let tiers: TierDistribution;

  it('imports both files and puts the audience into all four tiers, A the smallest reachable group', async () => {
    const contacts = await cli(['audience', 'import', files.contacts, '--json', '--source', 'crm-export']);
    expect(contacts.rowsRead).toBe(2_000);
    expect(contacts.accepted).toBeGreaterThan(1_950);
    // The customer file alone already separates: recent, valuable orders make B (policy v1 put
    // every reachable contact without events in C); nobody is A before any activity is known.
    console.log(`the file alone: ${JSON.stringify(contacts.tiers)}`);
    expect(contacts.tiers.A ?? 0).toBe(0);
    expect(contacts.tiers.B).toBeGreaterThan(0.05 * contacts.contacts);
    expect(contacts.tiers.C).toBeGreaterThan(contacts.tiers.B);
    expect(contacts.tiers.D).toBeGreaterThanOrEqual(files.summary.dead + files.summary.risky - files.summary.badOptional);
    const events = await cli(['events', 'import', files.events, '--json']);
    expect(events.stored).toBe(files.summary.events);

    tiers = await cli(['audience', 'tiers', '--json']).then((r) => r.distribution);
    const { A, B, C, D } = tiers.tiers;
    console.log(`2,000-row CRM file: A ${A.count}, B ${B.count}, C ${C.count}, D ${D.count}`);
    expect(tiers.byPolicyVersion).toEqual({ [CURRENT_SCORE_POLICY.version]: tiers.total });
    for (const t of [A, B, C, D]) expect(t.count).toBeGreaterThan(0);
    expect(A.count).toBeLessThan(B.count);
    expect(A.count).toBeLessThan(C.count);
    // D: the dead numbers and the risky registrations, and little else.
    expect(D.count).toBeGreaterThanOrEqual(files.summary.dead + files.summary.risky - 5);
    expect(D.count).toBeLessThan(0.1 * tiers.total);
    // The score ranges are ordered as the tiers are.
    expect(A.min).toBeGreaterThanOrEqual(CURRENT_SCORE_POLICY.tiers.A.minScore);
    expect(B.min).toBeGreaterThanOrEqual(CURRENT_SCORE_POLICY.tiers.B.minScore);
    expect(C.max).toBeGreaterThan(0);
  }, 300_000);

  it('D holds the dead numbers and the device farms; A the active frequent buyers, explained', async () => {
    const dead = await db.pool.query(`SELECT tier, count(*)::int AS n FROM contacts WHERE phone_hash = ANY($1) GROUP BY tier`, [files.dead.map(phoneHash)]);
    expect(dead.rows.map((r) => r.tier)).toEqual(['D']);
    expect(dead.rows[0].n).toBeGreaterThanOrEqual(files.dead.length - files.summary.badOptional); // a row with a bad optional field is rejected today
    const farms = await db.pool.query(`SELECT count(*)::int AS n FROM contacts WHERE quarantined AND tier = 'D'`);
    expect(farms.rows[0].n).toBeGreaterThanOrEqual(files.summary.risky - 2);
    const a = (await db.pool.query(`SELECT score_parts FROM contacts WHERE tier = 'A' ORDER BY score DESC LIMIT 1`)).rows[0].score_parts as unknown[][];
    const rules = a.map((p) => p[4]);
    expect(rules).toEqual(expect.arrayContaining(['commercial.recency', 'commercial.frequency', 'commercial.averageOrderValue', 'activity.recentLogin']));
  });

  it('tier B is reachable by e-mail', () => {
    expect(tiers.tiers.B.withEmail / tiers.tiers.B.count).toBeGreaterThan(0.8);
  });

  it('--calibrate proposes a new policy version from the quantiles and changes nothing', async () => {
    const out = path.join(dir, 'proposed.json');
    const before = (await db.pool.query(`SELECT tier, count(*)::int AS n FROM contacts GROUP BY tier ORDER BY tier`)).rows;
    const r = await cli(['audience', 'tiers', '--calibrate', '--a-share', '0.04', '--b-share', '0.2', '--out', out, '--json']);
    expect(r.calibration.version).toBe('score-policy.v3');
    expect(r.calibration.written).toBe(out);
    const proposed = parseScorePolicy(JSON.parse(readFileSync(out, 'utf8')), out);
    expect(proposed.version).toBe('score-policy.v3');
    expect(proposed.tiers.A.minScore).toBe(r.calibration.thresholds.A.to);
    expect(proposed.tiers.A.minScore).toBeGreaterThanOrEqual(proposed.tiers.B.minScore);
    expect({ ...proposed, version: 'x', description: 'x', tiers: { ...proposed.tiers, A: { ...proposed.tiers.A, minScore: 0 }, B: { ...proposed.tiers.B, minScore: 0 } } }).toEqual({
      ...CURRENT_SCORE_POLICY,
      version: 'x',
      description: 'x',
      tiers: { ...CURRENT_SCORE_POLICY.tiers, A: { ...CURRENT_SCORE_POLICY.tiers.A, minScore: 0 }, B: { ...CURRENT_SCORE_POLICY.tiers.B, minScore: 0 } },
    });
    // About 4% of tiers A-C score at or above the proposed A minimum (ties make it a little more).
    const reachable = tiers.total - tiers.tiers.D.count;
    expect(r.calibration.byScoreAlone.A / reachable).toBeGreaterThan(0.03);
    expect(r.calibration.byScoreAlone.A / reachable).toBeLessThan(0.08);
    expect((await db.pool.query(`SELECT tier, count(*)::int AS n FROM contacts GROUP BY tier ORDER BY tier`)).rows).toEqual(before);

    // Never over an existing file; bad shares and a stray --out are usage errors.
    const again = await runCli(['audience', 'tiers', '--calibrate', '--out', out], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists: a policy version is never overwritten/);
    expect((await runCli(['audience', 'tiers', '--calibrate', '--a-share', '0.5', '--b-share', '0.6'], env)).stderr).toMatch(/add up to less than 1/);
    expect((await runCli(['audience', 'tiers', '--out', path.join(dir, 'x.json')], env)).code).toBe(2);
    expect(existsSync(path.join(dir, 'x.json'))).toBe(false);
  });

  it("re-scoring reads the file's order history columns (source_order_count, first_order_at) when they are filled", async () => {
    // As the customer-file import will fill them (issue 20 item 1): a one-time buyer of long ago turns out to have 7 orders.
    const c = (await queryPlain(db.pool, `SELECT id, phone_enc, last_order_at FROM contacts WHERE tier = 'C' AND order_count = 0 AND last_order_at IS NOT NULL ORDER BY id LIMIT 1`))[0]!;
    const first = new Date(c.last_order_at.getTime() - 6 * 30 * 86_400_000);
    await db.pool.query('UPDATE contacts SET source_order_count = 7, first_order_at = $2 WHERE id = $1', [c.id, first]);
    const file = path.join(dir, 'one-login.jsonl');
    writeFileSync(file, `${JSON.stringify({ event_id: 'rescore-1', event: 'login', phone: c.phone_e164, occurred_at: new Date(CLOCK.getTime() - 86_400_000).toISOString() })}\n`);
    await cli(['events', 'import', file, '--json']);
    const parts = (await db.pool.query('SELECT score_parts, order_count, source_order_count FROM contacts WHERE id = $1', [c.id])).rows[0];
    expect(parts).toMatchObject({ order_count: 0, source_order_count: 7 }); // the events' own count, the file's
    expect(parts.score_parts).toContainEqual(['commercial', 'orderCount', 7, 8, 'commercial.frequency']);
    // 7 orders over 180 days: every 30 days (derived from count and span), <= 30: +8
    expect(parts.score_parts).toContainEqual(['commercial', 'repurchaseIntervalDays', 30, 8, 'commercial.repurchaseIntervalDays']);
  });

  it('prints the distribution for a human', async () => {
    const r = await runCli(['audience', 'tiers'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^tiers of [\d,]+ contacts \(scored with score-policy\.v2 [\d,]+\)/);
    expect(r.stdout).toMatch(/\n {2}A +[\d,]+ +\d+\.\d% +[\d,]+ /);
    // One of A, by `contact show`: what it buys and looks at, and the parts that made it A.
    const a = (await queryPlain(db.pool, `SELECT phone_enc FROM contacts WHERE tier = 'A' ORDER BY score DESC LIMIT 1`))[0]!;
    const shown = await runCli(['contact', 'show', '--reason', 'test read', a.phone_e164], env);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/categories: recent interest \w+ \d+.*; buys \w+/);
    expect(shown.stdout).toMatch(/commercial\/lastOrderAt = "[^"]+" {2}\(commercial\.recency\)/);
  });
});
