import { FUNNEL_STAGES, hoursOfDay, type Breakdown, type CampaignReport } from '../../core/campaign/report';

/** One bar chart of the HTML report: what the page hands to the charting library, nothing more. */
export interface ChartSpec {
  id: string;
  title: string;
  /** Bars along the y axis (long labels: funnel stages, rules). */
  horizontal: boolean;
  /** Datasets stacked in one bar per label (each label has one non-zero dataset). */
  stacked: boolean;
  /** Across the page's whole width (many or long labels). */
  wide: boolean;
  labels: string[];
  datasets: Array<{ label: string; data: number[]; color: string }>;
}

const COLOURS = { sent: '#4e79a7', delivered: '#59a14f', clicked: '#f28e2b', replied: '#76b7b2', ordered: '#b07aa1', optedOut: '#e15759', SEND: '#59a14f', DEFER: '#edc948', SKIP: '#e15759' } as const;

const OUTCOMES = [
  ['sent', 'sent'],
  ['delivered', 'delivered'],
  ['clicked', 'clicked'],
  ['ordered', 'ordered'],
] as const;

function breakdownChart(id: string, title: string, rows: readonly Breakdown[]): ChartSpec {
  return {
    id,
    title,
    horizontal: false,
    stacked: false,
    wide: false,
    labels: rows.map((r) => r.key),
    datasets: OUTCOMES.map(([k, label]) => ({ label, data: rows.map((r) => r[k]), color: COLOURS[k] })),
  };
}


/**
 * The charts of the HTML report, in page order: the funnel beside the outcomes by tier, every
 * decision by kind and rule, sends by the recipient's local hour (all 24), and the outcomes by
 * channel, country and step.
 */
export function reportCharts(r: CampaignReport): ChartSpec[] {
  const f = r.funnel;
  const stages = [...FUNNEL_STAGES, ['optedOut', 'opted out']] as const;
  return [
    {
      id: 'funnel',
      title: 'Funnel',
      horizontal: true,
      stacked: false,
      wide: false,
      labels: stages.map(([, label]) => label),
      datasets: [{ label: 'messages', data: stages.map(([k]) => f[k]), color: COLOURS.sent }],
    },
    breakdownChart('tier', 'Messages by tier', r.by.tier),
    {
      id: 'decisions',
      title: 'Decisions by kind and rule',
      horizontal: true,
      stacked: true,
      wide: true,
      labels: r.decisions.map((d) => `${d.decision} ${d.rule ?? d.reason}`),
      // One dataset per kind so each has its colour and legend entry; a row belongs to one kind.
      datasets: (['SEND', 'DEFER', 'SKIP'] as const)
        .filter((kind) => r.decisions.some((d) => d.decision === kind))
        .map((kind) => ({ label: kind, data: r.decisions.map((d) => (d.decision === kind ? d.decisions : 0)), color: COLOURS[kind] })),
    },
    {
      id: 'local-hour',
      title: "Sends by the recipient's local hour",
      horizontal: false,
      stacked: false,
      wide: true,
      labels: hoursOfDay(r.by.localHour).map((h) => h.key),
      datasets: (['sent', 'delivered'] as const).map((k) => ({ label: k, data: hoursOfDay(r.by.localHour).map((h) => h[k]), color: COLOURS[k] })),
    },
    breakdownChart('channel', 'Messages by channel', r.by.channel),
    breakdownChart('country', 'Messages by country', r.by.country),
    breakdownChart('step', 'Messages by step', r.by.step),
  ];
}
