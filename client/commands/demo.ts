import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { parseCampaign } from '../../core/campaign/definition';
import { insertCampaign } from '../../db/campaigns';
import { connectPool } from '../../db/pool';
import { runningDevStack, startStack, type RunningStack } from '../../infra/stack';
import { startServices, type RunningServices } from '../../infra/services';
import { connectClient } from '../../infra/temporal';
import { campaignWorkflowId } from '../../workflows/ids';
import type { CampaignStatus } from '../../workflows/shared';
import { configOrExit, emit, type GlobalOptions } from '../cli-kit';
import { generateContacts } from '../demo/sample-audience';
import { importAudience, renderReport, type ImportResult } from './audience';

/** The demo campaign: SMS to tiers A-C in every recipient's own day, sandbox channels. */
const DEMO_CAMPAIGN = {
  name: 'Demo: winter sale',
  category: 'marketing',
  brand: 'Acme',
  audience: { tiers: ['A', 'B', 'C'] },
  channels: { A: 'sms', B: 'sms', C: 'sms' },
  templates: {
    sms: { en: 'Hi {{name}}, winter sale at {{brand}}: 20% off this week.', zh: '{{name}}您好，{{brand}}冬季促销，本周8折。' },
  },
  window: { start: '00:00', end: '24:00' },
  holidays: 'ignore',
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
realistic formats, duplicates and bad rows, imports it through the AudienceIntake workflow,
runs a marketing SMS campaign with caps, consent and opt-out checks, and prints both reports.`,
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
          say('starting the embedded stack (Temporal dev server, PostgreSQL, worker, sandbox channels) ...');
          stack = await startStack(config, { log: say });
          ({ temporalAddress, databaseUrl } = stack);
          services = await startServices({ config, temporalAddress, databaseUrl, worker: true, http: false, migrate: true });
        }
        const client = await connectClient(temporalAddress, config.temporal.namespace);
        const pool = await connectPool(databaseUrl, 4);
        try {
          const dir = path.join(config.stateDir, 'demo');
          mkdirSync(dir, { recursive: true });
          const file = path.join(dir, `contacts-${Date.now()}.csv`);
          await generateContacts(file, rows, Date.now() % 100_000);
          say(`importing ${rows} generated contacts from ${file} ...`);
          const taskQueue = config.temporal.taskQueue;
          const imported = await importAudience({ pool, client, taskQueue }, file, { source: 'demo', defaultCountry: 'CN', consentPurpose: 'marketing', mapping: {}, format: 'csv' }, {
            batchSize: 5_000,
            parallelism: 2,
            rejectsFile: `${file}.rejects.csv`,
            progress: !opts.json,
          });
          say(renderReport(imported));
          const campaignId = await insertCampaign(pool, parseCampaign(DEMO_CAMPAIGN));
          say(`running campaign ${campaignId} "${DEMO_CAMPAIGN.name}" ...`);
          const status: CampaignStatus = await client.workflow.execute('campaignWorkflow', {
            taskQueue,
            workflowId: campaignWorkflowId(campaignId),
            args: [{ campaignId, lanes: 4, batchSize: 500 }],
          });
          await pool.query(`UPDATE campaigns SET workflow_id = $2 WHERE id = $1`, [campaignId, campaignWorkflowId(campaignId)]);
          emit({ import: imported, campaign: status }, opts, renderDemo);
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

function renderDemo(r: { import: ImportResult; campaign: CampaignStatus }): string {
  const c = r.campaign;
  const list = (m: Record<string, number>) => Object.entries(m).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(', ') || '-';
  return [
    `campaign ${c.campaignId} ${c.phase}: ${c.planned} recipients`,
    `  sent by channel   ${list(c.sentByChannel)}`,
    `  sent by tier      ${list(c.sentByTier)}`,
    `  skipped (why)     ${list(c.skippedByReason)}`,
    `  top time zones    ${Object.entries(c.sentByZone).sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, n]) => `${k} ${n}`).join(', ')}`,
    `see every decision: reachloop campaign decisions ${c.campaignId} (with \`reachloop dev\` running)`,
  ].join('\n');
}
