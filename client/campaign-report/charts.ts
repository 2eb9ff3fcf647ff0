import { FUNNEL_STAGES, hoursOfDay, type Breakdown, type CampaignReport, type FunnelCounts } from '../../core/campaign/report';

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


const STAGES = [...FUNNEL_STAGES, ['optedOut', 'opted out']] as const;

/** A funnel as horizontal bars: sent -> delivered -> clicked -> replied -> ordered, and opt-outs. */
function funnelChart(id: string, title: string, f: FunnelCounts): ChartSpec {
  return { id, title, horizontal: true, stacked: false, wide: false, labels: STAGES.map(([, label]) => label), datasets: [{ label: 'messages', data: STAGES.map(([k]) => f[k]), color: COLOURS.sent }] };
}

/**
 * A journey's steps, each with its own funnel (a one-step campaign's is the campaign funnel), and
 * the holdout's conversion next to the messaged audience's, in per cent.
 */
export function journeyCharts(r: CampaignReport): ChartSpec[] {
  const steps = r.by.step.length > 1 ? r.by.step.map((s) => funnelChart(`step-funnel-${s.key}`, `Step ${s.key}: funnel`, s)) : [];
  const h = r.holdout;
  const pct = (rate: number | null) => (rate === null ? 0 : Math.round(rate * 1000) / 10);
  const holdout: ChartSpec[] = h
    ? [{ id: 'holdout', title: 'Conversion (ordered, %): messaged against holdout', horizontal: false, stacked: false, wide: false, labels: ['messaged', 'holdout'], datasets: [{ label: 'ordered %', data: [pct(h.rates.treated), pct(h.rates.holdout)], color: COLOURS.ordered }] }]
    : [];
  return [...steps, ...holdout];
}

/**
 * The charts of the HTML report, in page order: the funnel beside the outcomes by tier, every
 * decision by kind and rule, sends by the recipient's local hour (all 24), and the outcomes by
 * channel, country and step.
 */
export function reportCharts(r: CampaignReport): ChartSpec[] {
  return [
    funnelChart('funnel', 'Funnel', r.funnel),
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
