import { DIMENSIONS, funnelTable, percent, type Breakdown, type CampaignReport, type Dimension, type HoldoutReport } from '../../core/campaign/report';
import { renderTable, type Style } from '../table';

export const DIMENSION_TITLES: Record<Dimension, string> = {
  step: 'by step',
  tier: 'by tier',
  channel: 'by channel',
  country: 'by country',
  localHour: 'by recipient-local hour of the send',
};

/** The columns of a breakdown table, its figures in funnel order. */
export const BREAKDOWN_COLUMNS = ['sent', 'delivered', 'undelivered', 'failed', 'clicked', 'replied', 'ordered', 'opted out', 'segments'] as const;
export const breakdownCells = (r: Breakdown): number[] => [r.sent, r.delivered, r.undelivered, r.failed, r.clicked, r.replied, r.ordered, r.optedOut, r.segments];

/** The holdout comparison as a table (text and HTML alike), and its uplift in points. */
export const HOLDOUT_TITLE = 'holdout (never messaged) against the audience messaged';
export const HOLDOUT_COLUMNS = ['group', 'contacts', 'ordered', 'conversion'] as const;
export const holdoutRows = (h: HoldoutReport): Array<[string, number, number, string]> => [
  ['messaged', h.treated.contacts, h.treated.ordered, percent(h.rates.treated)],
  ['holdout', h.holdout.contacts, h.holdout.ordered, percent(h.rates.holdout)],
];
export const upliftText = (h: HoldoutReport): string => (h.uplift === null ? '-' : `${h.uplift >= 0 ? '+' : ''}${(h.uplift * 100).toFixed(1)} points`);

const counts = (byState: Record<string, number>) =>
  Object.entries(byState)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || 'none';

/** The report as terminal text: a heading, the funnel, decisions, caps, then each breakdown. */
export function renderReportText(r: CampaignReport, style: Style): string {
  const c = r.campaign;
  const f = r.funnel;
  const section = (title: string, body: string) => `\n${style.title(title)}\n${body}`;
  const out = [
    style.title(`campaign ${c.id} ${c.name} (${c.category}): ${c.status}`),
    `  recipients ${r.recipients.planned}: ${counts(r.recipients.byState)}`,
    `  messages ${f.messages}, cost ${f.segments} SMS segment${f.segments === 1 ? '' : 's'}`,
    style.dim(`  attribution window ${r.attribution.window}: ${r.attribution.rule}`),
    section('funnel', renderTable(['stage', 'messages', 'of sent'], funnelTable(f), style)),
    section(
      'decisions',
      r.decisions.length
        ? renderTable(['kind', 'reason', 'rule', 'decisions', 'contacts'], r.decisions.map((d) => [d.decision, d.reason, d.rule ?? '-', d.decisions, d.contacts]), style)
        : '  none yet',
    ),
    ...(r.holdout ? [section(HOLDOUT_TITLE, renderTable([...HOLDOUT_COLUMNS], holdoutRows(r.holdout), style) + `\n  uplift ${upliftText(r.holdout)}`)] : []),
    section('caps hit', r.caps.length ? renderTable(['rule', 'decisions', 'contacts'], r.caps.map((k) => [k.rule, k.decisions, k.contacts]), style) : '  none'),
  ];
  for (const d of DIMENSIONS) {
    const rows = r.by[d];
    out.push(section(DIMENSION_TITLES[d], rows.length ? renderTable([d === 'localHour' ? 'hour' : d, ...BREAKDOWN_COLUMNS], rows.map((b) => [b.key, ...breakdownCells(b)]), style) : '  nothing sent'));
  }
  return out.join('\n');
}
