import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { parseCampaign } from '../../core/campaign/definition';
import { campaignProgress, insertCampaign, type CampaignProgress } from '../../db/campaigns';
import { connectPool, type Pool } from '../../db/pool';
import { readSandboxCredentials } from '../../infra/channels';
import { freePort } from '../../infra/net';
import { sandboxAdminClient } from '../../sandbox/twilio-admin-client';
import type { SandboxRule } from '../../sandbox/twilio-server';
import { runningDevStack, startStack, type RunningStack } from '../../infra/stack';
import { startServices, type RunningServices } from '../../infra/services';
import { connectClient } from '../../infra/temporal';
import { campaignWorkflowId } from '../../workflows/ids';
import { campaignStatus, type CampaignStatus } from '../../workflows/shared';
import { configOrExit, emit, type GlobalOptions } from '../cli-kit';
import { generateContacts } from '../demo/sample-audience';
import { tierDistribution } from '../../db/tiers';
import { importAudience, renderReport, type ImportResult } from './audience';
import { importEvents, renderEventReport } from './events';
import { renderTiers } from './tiers';

/**
 * The demo campaign: SMS to tiers A-C in every recipient's own day under the contact policy
 * (windows, regional law, holidays, caps), sandbox channels.
 */
const DEMO_CAMPAIGN = {
  name: 'Demo: winter sale',
  category: 'marketing',
  brand: 'Acme',
  audience: { tiers: ['A', 'B', 'C'] },
  channels: { A: 'sms', B: 'sms', C: 'sms' },
  templates: {
    sms: { en: 'Hi {{name}}, winter sale at {{brand}}: 20% off this week.', zh: '{{name}}您好，{{brand}}冬季促销，本周8折。' },
  },
};

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the main job on the embedded default: import a sample audience, run a campaign through the sandbox channels, report')
    .option('--rows <n>', 'contacts in the generated sample file', '2000')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Starts the embedded stack (local Temporal dev server, embedded PostgreSQL, a worker, the local
Twilio-shaped server) unless \`reachloop dev\` is running, generates a sample contact file with
realistic formats, duplicates and bad rows and a customer base's skew (most bought once long
ago, a few often and much), imports it through the AudienceIntake workflow, imports the
customers' behaviour events of the last year (logins, product views, purchases, clicks), shows
how the score policy tiers the audience (\`reachloop audience tiers\`), runs a marketing SMS
campaign with caps, consent and opt-out checks, lets the sandbox's handsets answer (delivery
receipts, a few dead numbers, STOPs and replies, all through the signed webhooks), and prints
the reports.`,
    )
    .action(async (opts: GlobalOptions & { rows: string }) => {
      const rows = Number(opts.rows);
      if (!Number.isInteger(rows) || rows < 1 || rows > 1_000_000) throw new Error('--rows must be 1..1000000');
      const config = configOrExit();
      const say = opts.json ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
      const dev = runningDevStack(config.stateDir);
      let stack: RunningStack | undefined;
      let services: RunningServices | undefined;
      try {
        let temporalAddress: string;
        let databaseUrl: string;
        if (dev) {
          say(`using the running dev stack (Temporal ${dev.temporalAddress})`);
          ({ temporalAddress, databaseUrl } = dev);
        } else {
          say('starting the embedded stack (Temporal dev server, PostgreSQL, worker, HTTP server, sandbox channels) ...');
          stack = await startStack(config, { log: say });
          ({ temporalAddress, databaseUrl } = stack);
          // The webhooks must be reachable for the feedback loop: a free port unless HTTP_PORT says.
          const http = process.env.HTTP_PORT ? config.http : await freeHttp(config.http);
          // The reports tell the story; the server's line per webhook only with LOG_LEVEL set.
          const logLevel = process.env.LOG_LEVEL ? config.logLevel : 'warn';
          services = await startServices({ config: { ...config, http, logLevel }, temporalAddress, databaseUrl, worker: true, http: true, migrate: true });
          const sandbox = readSandboxCredentials(config.stateDir);
          if (sandbox) await sandboxAdminClient(sandbox).setRules(DEMO_HANDSETS);
        }
        const client = await connectClient(temporalAddress, config.temporal.namespace);
        const pool = await connectPool(databaseUrl, 4);
        try {
          const dir = path.join(config.stateDir, 'demo');
          mkdirSync(dir, { recursive: true });
          const stamp = Date.now();
          const file = path.join(dir, `contacts-${stamp}.csv`);
          const eventsFile = path.join(dir, `events-${stamp}.jsonl`);
          await generateContacts(file, rows, stamp % 100_000, { events: eventsFile, asOf: new Date() });
          say(`importing ${rows} generated contacts from ${file} ...`);
          const taskQueue = config.temporal.taskQueue;
          const imported = await importAudience({ pool, client, taskQueue }, file, { source: 'demo', defaultCountry: 'CN', consentPurpose: 'marketing', mapping: {}, format: 'csv' }, {
            batchSize: 5_000,
            parallelism: 2,
            rejectsFile: `${file}.rejects.csv`,
            progress: !opts.json,
          });
          say(renderReport(imported));
          say(`importing their behaviour events from ${eventsFile} ...`);
          const events = await importEvents({ pool, client, taskQueue }, eventsFile, { source: 'demo', defaultCountry: null, rules: null, rulesFile: null }, {
            batchSize: 5_000,
            parallelism: 2,
            rejectsFile: `${eventsFile}.rejects.csv`,
            progress: !opts.json,
          });
          say(renderEventReport(events));
          const tiers = await tierDistribution(pool);
          say(renderTiers({ distribution: tiers }));
          const campaignId = await insertCampaign(pool, parseCampaign(DEMO_CAMPAIGN));
          say(`running campaign ${campaignId} "${DEMO_CAMPAIGN.name}" ...`);
          const handle = await client.workflow.start('campaignWorkflow', {
            taskQueue,
            workflowId: campaignWorkflowId(campaignId),
            args: [{ campaignId, lanes: 4, batchSize: 500 }],
          });
          await pool.query(`UPDATE campaigns SET workflow_id = $2, status = 'launched', launched_at = now() WHERE id = $1`, [campaignId, campaignWorkflowId(campaignId)]);
          // Recipients outside their window wait in the workflow (it goes on under \`reachloop dev\`).
          const progress = await awaitSettled(pool, campaignId, () => handle.query(campaignStatus), 120_000);
          const status: CampaignStatus = await handle.query(campaignStatus);
          say('waiting for the delivery receipts and replies ...');
          const feedback = await awaitFeedback(pool, campaignId, 30_000);
          emit({ import: imported, events, tiers, campaign: status, progress, feedback }, opts, renderDemo);
        } finally {
          await pool.end();
          await client.connection.close();
        }
      } finally {
        await services?.stop();
        await stack?.stop();
      }
    });
}

/**
 * The sandbox's handsets in the demo, by the last digits of the number: a few dead numbers
 * (30003), carrier filtering (30007, not the contact's fault), STOP and a plain reply.
 */
const DEMO_HANDSETS: SandboxRule[] = [
  { toEndsWith: '13', errorCode: 30003 },
  { toEndsWith: '07', errorCode: 30007 },
  { toEndsWith: '66', reply: { body: 'STOP', afterMs: 200 } },
  { toEndsWith: '42', reply: { body: 'Thanks, see you soon', afterMs: 200 } },
];

export interface DemoFeedback {
  /** Final delivery states of the campaign's messages (delivered, undelivered:30003, ...). */
  outcomes: Record<string, number>;
  /** Messages still without a final status when the wait ended. */
  pending: number;
  optOuts: number;
  replies: number;
  /** Contacts handed to the changed-number funnel. */
  deadNumbers: number;
}

/**
 * Waits (at most timeoutMs) until the campaign has done all it may do now: planned, and every
 * recipient sent, skipped, or deferred to a later instant (or the workflow finished).
 */
async function awaitSettled(pool: Pool, campaignId: number, status: () => Promise<CampaignStatus>, timeoutMs: number): Promise<CampaignProgress> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // The first query can come before the workflow's first task registered its handler.
    const phase = await status().then((st) => st.phase, () => 'starting');
    const p = await campaignProgress(pool, campaignId, new Date());
    if (phase === 'completed' || phase === 'cancelled' || (p.planned > 0 && p.dueNow === 0) || Date.now() > deadline) return p;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits (at most timeoutMs) until every message of the campaign has its final status, then sums up the loop. */
async function awaitFeedback(pool: Pool, campaignId: number, timeoutMs: number): Promise<DemoFeedback> {
  const deadline = Date.now() + timeoutMs;
  let pending = 0;
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM send_ledger WHERE campaign_id = $1 AND state IN ('reserved', 'sending', 'sent')`, [campaignId]);
    pending = rows[0]!.n;
    if (pending === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 500)); // the replies follow the deliveries
  const outcomes = await pool.query<{ k: string; n: number }>(
    `SELECT state || COALESCE(':' || error_code, '') AS k, count(*)::int AS n FROM send_ledger WHERE campaign_id = $1 GROUP BY 1 ORDER BY 2 DESC`,
    [campaignId],
  );
  const loop = await pool.query<{ opt_outs: number; replies: number; dead: number }>(
    `WITH reached AS (SELECT DISTINCT contact_id FROM send_ledger WHERE campaign_id = $1)
     SELECT (SELECT count(*)::int FROM suppressions WHERE source = 'sms_keyword' AND contact_id IN (SELECT contact_id FROM reached)) AS opt_outs,
            (SELECT count(*)::int FROM events WHERE tag = 'sms_reply' AND contact_id IN (SELECT contact_id FROM reached)) AS replies,
            (SELECT count(*)::int FROM recovery_candidates WHERE status = 'open' AND contact_id IN (SELECT contact_id FROM reached)) AS dead`,
    [campaignId],
  );
  const l = loop.rows[0]!;
  return { outcomes: Object.fromEntries(outcomes.rows.map((r) => [r.k, r.n])), pending, optOuts: l.opt_outs, replies: l.replies, deadNumbers: l.dead };
}

async function freeHttp(http: { host: string; port: number; publicBaseUrl: string }) {
  const port = await freePort();
  return { host: http.host, port, publicBaseUrl: process.env.PUBLIC_BASE_URL ? http.publicBaseUrl : `http://${http.host}:${port}` };
}

function renderDemo(r: { import: ImportResult; campaign: CampaignStatus; progress: CampaignProgress; feedback: DemoFeedback }): string {
  const c = r.campaign;
  const f = r.feedback;
  const list = (m: Record<string, number>) => Object.entries(m).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(', ') || '-';
  return [
    `campaign ${c.campaignId} ${c.phase}: ${r.progress.planned} recipients (${list(r.progress.byState)})`,
    ...(r.progress.nextAt ? [`  deferred          ${list(c.deferredByReason)}; the next opens at ${r.progress.nextAt.toISOString()} (the workflow waits for it under \`reachloop dev\`)`] : []),
    `  sent by channel   ${list(c.sentByChannel)}`,
    `  sent by tier      ${list(c.sentByTier)}`,
    `  skipped (why)     ${list(c.skippedByReason)}`,
    `  top time zones    ${Object.entries(c.sentByZone).sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, n]) => `${k} ${n}`).join(', ')}`,
    `feedback          ${list(f.outcomes)}${f.pending ? ` (${f.pending} still without a final status)` : ''}`,
    `  opt-outs by STOP ${f.optOuts}; replies ${f.replies}; dead numbers handed to recovery ${f.deadNumbers}`,
    `see every decision: reachloop campaign decisions ${c.campaignId}; a contact: reachloop contact show ID (with \`reachloop dev\` running)`,
  ].join('\n');
}
