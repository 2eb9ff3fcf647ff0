import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_ATTRIBUTION, shapeCampaignReport, type CampaignReport } from '../../core/campaign/report';
import { parseDurationMs } from '../../core/duration';
import { readCampaignReport } from '../../db/campaign-report';
import type { Pool } from '../../db/pool';
import { chartLibrarySource } from '../campaign-report/chart-library';
import { renderReportHtml } from '../campaign-report/html';
import { renderReportText } from '../campaign-report/text';
import { CliError, emit, UsageError, type GlobalOptions } from '../cli-kit';
import { withPool } from '../session';
import { styleFor } from '../table';

const MAX_WINDOW_MS = 366 * 86_400_000;

/** The report of a campaign, with replies, opt-outs and orders attributed within `windowMs` of a send. */
export async function campaignReport(pool: Pool, id: number, within = DEFAULT_ATTRIBUTION, windowMs = parseDurationMs(DEFAULT_ATTRIBUTION)!): Promise<CampaignReport> {
  const facts = await readCampaignReport(pool, id, { attributionMs: windowMs });
  if (!facts) throw new CliError(`no campaign ${id}`);
  return shapeCampaignReport(facts, within);
}

/** Writes the self-contained HTML report (charts inlined, nothing fetched when opened). */
export function writeReportHtml(report: CampaignReport, file: string): void {
  const html = renderReportHtml(report, { chartLibrary: chartLibrarySource(), generatedAt: new Date().toISOString() });
  try {
    writeFileSync(file, html);
  } catch (err) {
    throw new CliError(`cannot write ${file}: ${(err as Error).message}`);
  }
}

/** `reachloop campaign report ID [--json] [--html FILE] [--within 7d]`, under `campaign`. */
export function registerCampaignReport(campaign: Command, session: { idArg: (v: string) => number }): void {
  campaign
    .command('report <id>')
    .description('what was decided, sent and achieved: decisions and caps, the funnel, by step, tier, channel, country and local hour, SMS segments')
    .option('--json', 'print as JSON')
    .option('--html <file>', 'also write a self-contained HTML report with charts (opens from disk, fetches nothing)')
    .option('--within <duration>', 'attribution window for replies, opt-outs and orders after a send (e.g. 72h, 7d, 2w)', DEFAULT_ATTRIBUTION)
    .addHelpText(
      'after',
      `
The funnel counts the campaign's messages in the send ledger: sent (accepted by the provider),
delivered (status callbacks), clicked (its tracked links), replied (an SMS reply), ordered (a
purchase event), opted out. A reply, an opt-out or an order counts for the contact's last
marketing message before it, within --within of the send; a click for the message it was in.
Decisions are counted by kind, reason and the rule that decided (outside_window:us-tcpa-hours,
cap:tier-cadence-B); the local hour is the recipient's, in their time zone.

  reachloop campaign report 12
  reachloop campaign report 12 --html winter-sale.html
  reachloop campaign report 12 --json --within 72h | jq .funnel`,
    )
    .action(async (key: string, flags: GlobalOptions & { html?: string; within: string }) => {
      const id = session.idArg(key);
      const windowMs = parseDurationMs(flags.within);
      if (windowMs === null || windowMs <= 0 || windowMs > MAX_WINDOW_MS) throw new UsageError(`--within must be a duration from 1s to 366d such as 72h or 7d, got "${flags.within}"`);
      await withPool(async (pool) => {
        const report = await campaignReport(pool, id, flags.within.trim(), windowMs);
        if (flags.html) {
          writeReportHtml(report, flags.html);
          process.stderr.write(`HTML report written to ${flags.html}\n`);
        }
        emit(report, flags, (r) => renderReportText(r, styleFor(process.stdout, process.env)));
      });
    });
}
