import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { EMAIL_PATTERN } from '../core/mask';
import { createPool } from '../db/pool';
import { dataCodecOf } from '../infra/data-keys';
import { startEmbeddedPostgres } from '../infra/embedded-postgres';
import { freePort } from '../infra/net';
import { startTemporalDevServer } from '../infra/temporal-dev-server';
import { ensureTemporalCli } from '../infra/tools';
import { runCli } from './helpers/harness';
import { needlesOf } from './helpers/pii-needles';
import { findPersonalData, needleMatcher, sealedValues } from './helpers/pii-scan';
import { recordedPayloads } from './helpers/temporal-payloads';

// Issue 17 item 2: no personal data where it does not belong, over a full demo run. `reachloop
// demo` in a fresh state folder runs the whole flow on its own real stack (Temporal dev server
// persisted to the folder, embedded PostgreSQL, worker, HTTP server with the signed webhooks,
// sandbox channels): an import with rejects, an events import, a campaign over SMS and e-mail with
// deliveries, dead numbers, STOPs and replies, and a changed number merged after its "Y". Then
// every phone number and e-mail of its audience is looked for in the plain columns of every table,
// in every recorded workflow history and schedule, and in every line the run printed (worker,
// HTTP server, sandbox and the CLI itself, at LOG_LEVEL=debug so that every log line is there).
const state = mkdtempSync(path.join(os.tmpdir(), 'reachloop-nopii-'));
chmodSync(state, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
afterAll(() => rmSync(state, { recursive: true, force: true }));

const E164 = /\+[1-9]\d{7,14}/g;
const EMAIL = EMAIL_PATTERN; // the pattern the masking of event properties uses (core/mask.ts)

describe('no personal data where it does not belong', () => {
  it('a full demo run leaves no raw number or e-mail in plain columns, workflow histories or logs', async () => {
    // The demo keeps its keys in its state folder (not the test run's), so that they can be read below.
    const env = { REACHLOOP_STATE_DIR: state, HTTP_PORT: undefined, LOG_LEVEL: 'debug', REACHLOOP_DATA_KEYS: undefined, REACHLOOP_LOOKUP_KEY: undefined };
    const r = await runCli(['demo', '--rows', '300', '--json'], env, 240_000);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const out = JSON.parse(r.stdout);
    // The run did what the scan needs: rejects, events, sends by SMS and e-mail, the scripted handsets.
    expect(out.import.rejected).toBeGreaterThan(0);
    expect(out.events.stored).toBeGreaterThan(0);
    expect(out.feedback.outcomes.delivered).toBeGreaterThan(0);
    expect(out.feedback.outcomes['email:sent']).toBeGreaterThan(0);
    expect(out.scenes.stop.optedOut).toBe(true);
    expect(out.scenes.reply.replies).toBe(1);
    expect(out.scenes.recovery.outcome).toBe('undelivered:30003'); // a dead number, then its new one confirmed by "Y"
    expect(out.scenes.recovery.recoveryCase.state).toBe('confirmed');

    // The demo's PostgreSQL and Temporal, started again from its state folder once it stopped.
    const pg = await startEmbeddedPostgres({ dataDir: path.join(state, 'postgres', 'data') });
    const temporal = await startTemporal(path.join(state, 'temporal.db'));
    const pool = createPool(pg.url, 2);
    const phones = new Set<string>();
    const emails = new Set<string>();
    const collect = (text: string) => {
      for (const m of text.matchAll(E164)) phones.add(m[0]);
      for (const m of text.matchAll(EMAIL)) emails.add(m[0].toLowerCase());
    };
    let dbHits: string[];
    let recorded: Awaited<ReturnType<typeof recordedPayloads>>;
    const printed = [r.stdout, r.stderr];
    try {
      // The audience: every number and e-mail the run was given (its input files) or holds (sealed).
      const demoDir = path.join(state, 'demo');
      for (const f of readdirSync(demoDir).filter((f) => /^(contacts-\d+\.csv|events-\d+\.jsonl)$/.test(f))) collect(readFileSync(path.join(demoDir, f), 'utf8'));
      const codec = dataCodecOf({ dataKeys: undefined, stateDir: state });
      const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM contacts WHERE phone_enc IS NOT NULL`);
      expect(rows[0]!.n).toBeGreaterThan(200); // the sample's duplicates merged, and the changed number's newer account
      for (const { values } of await sealedValues(pool)) for (const v of values) collect(codec.decrypt(v)); // numbers, e-mails, rejected rows, SMS texts
      dbHits = await findPersonalData(pool, needlesOf([...phones, ...emails]));
      recorded = await recordedPayloads(temporal.client);
      // The operator's reading commands after the run print what they print (their logs too).
      const campaignId = String(out.campaign.campaignId);
      const caseId = String(out.scenes.recovery.recoveryCase.id);
      const cliEnv = { ...env, DATABASE_URL: pg.url, TEMPORAL_ADDRESS: temporal.address };
      for (const args of OPERATOR_READS(campaignId, caseId)) {
        for (const json of [[], ['--json']]) {
          const c = await runCli([...args, ...json], cliEnv);
          expect(c.code, `reachloop ${args.join(' ')}: ${c.stderr}`).toBe(0);
          printed.push(c.stdout, c.stderr);
        }
      }
    } finally {
      await pool.end();
      await temporal.stop();
      await pg.stop();
    }
    expect(phones.size).toBeGreaterThan(200);
    expect(emails.size).toBeGreaterThan(100);
    const match = needleMatcher(needlesOf([...phones, ...emails]));
    const found = (where: string, values: Iterable<string>) => [...values].flatMap((v) => match(v).map((n) => `${where}: ${n} in ${v.slice(0, 300)}`));

    // 1. No plain (non-_enc) column of any table holds any of them.
    expect(dbHits).toEqual([]);

    // 2. No recorded workflow history (inputs, results, signals, updates, activity inputs and
    //    results, failures, memos, search attributes) nor schedule holds them: ids only.
    expect(recorded.workflows).toBeGreaterThanOrEqual(4);
    expect(recorded.types).toEqual(expect.arrayContaining(['audienceIntakeWorkflow', 'campaignWorkflow', 'eventsImportWorkflow', 'recoveryWorkflow']));
    expect(recorded.payloads.some((p) => p.text.includes(`"campaignId":${out.campaign.campaignId}`))).toBe(true); // payloads decoded
    expect(recorded.payloads.flatMap((p) => found(`history of ${p.where}`, [p.text]))).toEqual([]);

    // 3. No line the run printed holds them (masked forms like +1212****0142 are fine).
    const lines = printed.join('\n').split('\n');
    expect(lines.length).toBeGreaterThan(100); // the worker's and the server's debug lines are there
    expect(lines.some((l) => /\+\d{2,6}\*{4}\d{4}/.test(l))).toBe(true);
    expect(found('printed', lines)).toEqual([]);
  }, 300_000);
});

/** The operator's reading commands over a finished campaign and recovery case (each runs plain and with --json). */
const OPERATOR_READS = (campaignId: string, caseId: string): string[][] => [
  ['campaign', 'list'],
  ['campaign', 'decisions', campaignId],
  ['campaign', 'report', campaignId],
  ['recovery', 'list'],
  ['recovery', 'show', caseId],
  ['recovery', 'funnel'],
  ['audience', 'tiers'],
  ['ledger', 'orphans'],
  ['audit'],
];

/** The demo's Temporal dev server again, on the database file it persisted to. */
async function startTemporal(dbFilename: string): Promise<{ address: string; client: Client; stop(): Promise<void> }> {
  const cli = await ensureTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH });
  if (cli.executable.type !== 'existing-path') throw new Error('the test needs the Temporal CLI on disk');
  const server = await startTemporalDevServer({ cliPath: cli.executable.path, port: await freePort(), namespace: 'default', dbFilename });
  const connection = await Connection.connect({ address: server.address });
  return {
    address: server.address,
    client: new Client({ connection, namespace: 'default' }),
    async stop() {
      await connection.close();
      await server.stop();
    },
  };
}
