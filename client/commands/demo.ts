import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { parseCampaign } from '../../core/campaign/definition';
import { insertCampaign } from '../../db/campaigns';
import { connectPool } from '../../db/pool';
import { readSandboxCredentials } from '../../infra/channels';
import { freePort } from '../../infra/net';
import { sandboxAdminClient } from '../../sandbox/twilio-admin-client';
import type { SandboxRule } from '../../sandbox/twilio-server';
import { runningDevStack, startStack, type RunningStack } from '../../infra/stack';
import { startServices, type RunningServices } from '../../infra/services';
import { connectClient } from '../../infra/temporal';
import { campaignStatus, type CampaignStatus } from '../../workflows/messages/campaign';
import { configOrExit, emit, type GlobalOptions } from '../cli-kit';
import { generateContacts } from '../demo/sample-audience';
import { approveCampaign, launchCampaign } from '../../services/campaign-launch';
import { tierDistribution } from '../../db/tiers';
import { renderReportText } from '../campaign-report/text';
import { awaitFeedback, awaitSettled, deferredUntil, renderDemo } from '../demo/outcome';
import { playScenes, scriptedCustomers } from '../demo/scenes';
import { recoveryOptionsOf } from '../../services/recovery-lifecycle';
import { styleFor } from '../table';
import { importAudience, renderReport } from './audience';
import { campaignReport, writeReportHtml } from './campaign-report';
import { importEvents, renderEventReport } from './events';
import { renderTiers } from './tiers';

/**
 * The demo campaign: SMS to tiers A and C, e-mail to tier B (the tier strategy's lighter touch),
 * in every recipient's own day under the contact policy (windows, regional law, holidays, caps),
 * sandbox channels.
 */
const DEMO_CAMPAIGN = {
  name: 'Demo: winter sale',
  category: 'marketing',
  brand: 'Acme',
  audience: { tiers: ['A', 'B', 'C'] },
  channels: { A: 'sms', B: 'email', C: 'sms' },
  // Launched, then approved through the same signal as `reachloop campaign approve`.
  requireApproval: true,
  templates: {
    sms: { en: 'Hi {{name}}, winter sale at {{brand}}: 20% off this week.', zh: '{{name}}您好，{{brand}}冬季促销，本周8折。' },
    email: {
      en: { subject: 'Winter sale at {{brand}}', text: 'Hi {{name}},\n\nour winter sale is on: 20% off everything this week.\n\n{{brand}}' },
      zh: { subject: '{{brand}}冬季促销', text: '{{name}}您好，\n\n冬季促销进行中：本周全场8折。\n\n{{brand}}' },
    },
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
receipts, a few dead numbers, STOPs and replies, all through the signed webhooks), plays four
scripted customers (a STOP, a reply, and a customer who changed numbers: the old one fails, the
recovery scan asks the newer account by SMS, its "Y" merges the two), and prints the reports.`,
    )
    .action(async (opts: GlobalOptions & { rows: string }) => {
      const rows = Number(opts.rows);
      if (!Number.isInteger(rows) || rows < 1 || rows > 1_000_000) throw new Error('--rows must be 1..1000000');
      const config = configOrExit();
      const say = opts.json ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
      const dev = runningDevStack(config.stateDir);
      // The scripted handsets (STOP, a reply, a changed number), in a country whose window is open now.
      const scripted = scriptedCustomers(new Date());
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
          if (sandbox) await sandboxAdminClient(sandbox).setRules([...(scripted?.rules ?? []), ...DEMO_HANDSETS]);
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
          if (scripted) appendFileSync(file, scripted.csvRows);
          say(`importing ${rows} generated contacts${scripted ? ' and 4 scripted ones' : ''} from ${file} ...`);
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
          const { workflowId } = await launchCampaign({ pool, client, taskQueue }, campaignId, { lanes: 4, batchSize: 500 });
          const handle = client.workflow.getHandle(workflowId);
          // It needs an approval: given here the way `reachloop campaign approve` gives it.
          await awaitPhase(() => handle.query(campaignStatus), 'awaiting_approval', 30_000);
          say(`campaign ${campaignId} "${DEMO_CAMPAIGN.name}" waits for approval; approving it as \`reachloop campaign approve ${campaignId} --by demo\` does`);
          await approveCampaign({ client }, workflowId, 'demo');
          // Recipients outside their window wait in the workflow (it goes on under \`reachloop dev\`).
          const progress = await awaitSettled(pool, campaignId, () => handle.query(campaignStatus), 120_000);
          // The workflow tells the phase and approval; the counts are the database's (the workflow's
          // running tally lags the batches it has not folded in yet, far behind on a loaded machine).
          const { dueNow: _due, nextAt: _next, byStep: _steps, ...truth } = progress;
          const status: CampaignStatus = { ...(await handle.query(campaignStatus)), ...truth };
          say('waiting for the delivery receipts and replies ...');
          const feedback = await awaitFeedback(pool, campaignId, 30_000);
          if (scripted) say('the scripted handsets: a STOP, a reply, and a changed number asked to confirm by SMS ...');
          const scenes = scripted ? await playScenes({ pool, client, options: recoveryOptionsOf(config) }, campaignId, scripted.phones, 30_000) : null;
          const report = await campaignReport(pool, campaignId);
          const reportHtml = path.join(dir, `campaign-${campaignId}-report.html`);
          writeReportHtml(report, reportHtml);
          if (!opts.json) say(renderReportText(report, styleFor(process.stderr, process.env)));
          const deferred = await deferredUntil(pool, campaignId);
          emit({ import: imported, events, tiers, campaign: status, progress, deferred, feedback, scenes, approvedBy: status.approvedBy, reportHtml, report }, opts, renderDemo);
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

/** Waits (at most timeoutMs) until the workflow reports this phase (its first task may still be on its way). */
async function awaitPhase(status: () => Promise<CampaignStatus>, phase: CampaignStatus['phase'], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await status().then((s) => s.phase, () => 'starting')) !== phase) {
    if (Date.now() > deadline) throw new Error(`the demo campaign did not reach ${phase} in ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function freeHttp(http: { host: string; port: number; publicBaseUrl: string }) {
  const port = await freePort();
  return { host: http.host, port, publicBaseUrl: process.env.PUBLIC_BASE_URL ? http.publicBaseUrl : `http://${http.host}:${port}` };
}

