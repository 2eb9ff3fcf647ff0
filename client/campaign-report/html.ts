import { DIMENSIONS, funnelTable, percent, type CampaignReport } from '../../core/campaign/report';
import { journeyCharts, reportCharts, type ChartSpec } from './charts';
import { BREAKDOWN_COLUMNS, breakdownCells, DIMENSION_TITLES, HOLDOUT_COLUMNS, HOLDOUT_TITLE, holdoutRows, upliftText } from './text';

/**
 * The campaign report as one self-contained HTML file: the figures as tables and as charts drawn
 * by the charting library whose build is inlined (nothing is fetched at view time; the page's
 * Content-Security-Policy forbids it), so it opens from disk, in a mail attachment or offline.
 */
export interface HtmlOptions {
  /** The charting library's browser build (Chart.js UMD, client/campaign-report/chart-library.ts). */
  chartLibrary: string;
  /** When the report was read, ISO 8601. */
  generatedAt: string;
}

const esc = (s: string | number) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON inside a <script> element: no "</script>" or "<!--" can close or confuse it. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

function table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>, caption: string): string {
  if (rows.length === 0) return `<p class="none">${esc(caption)}: none</p>`;
  const cell = (v: string | number) => (typeof v === 'number' ? `<td class="n">${v}</td>` : `<td>${esc(v)}</td>`);
  return `<table><caption>${esc(caption)}</caption><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</tbody></table>`;
}

const chartBox = (c: ChartSpec) => {
  const height = c.horizontal ? Math.max(160, 34 * c.labels.length + 60) : 260;
  return `<figure class="chart${c.wide ? ' wide' : ''}"><figcaption>${esc(c.title)}</figcaption><div style="height:${height}px"><canvas id="chart-${esc(c.id)}" role="img" aria-label="${esc(c.title)}"></canvas></div></figure>`;
};

// Draws every chart spec with the library; data-charts-drawn tells a test (or a reader's script) it finished.
const DRAW = `(function () {
  var specs = JSON.parse(document.getElementById('report-charts').textContent);
  specs.forEach(function (s) {
    var value = { beginAtZero: true, stacked: s.stacked, ticks: { precision: 0 } };
    var category = { stacked: s.stacked, grid: { display: false } };
    new Chart(document.getElementById('chart-' + s.id), {
      type: 'bar',
      data: { labels: s.labels, datasets: s.datasets.map(function (d) { return { label: d.label, data: d.data, backgroundColor: d.color, borderColor: d.color }; }) },
      options: {
        indexAxis: s.horizontal ? 'y' : 'x', animation: false, responsive: true, maintainAspectRatio: false,
        plugins: { legend: { display: s.datasets.length > 1 } },
        scales: s.horizontal ? { x: value, y: category } : { x: category, y: value }
      }
    });
  });
  document.documentElement.setAttribute('data-charts-drawn', String(specs.length));
})();`;

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;color:#1f2933;background:#f7f8fa;margin:0;padding:24px}
main{max-width:1180px;margin:0 auto}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}
.meta{color:#52606d;margin:0 0 16px}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:10px;margin:16px 0}
.kpi{background:#fff;border:1px solid #e4e7eb;border-radius:8px;padding:10px 12px}
.kpi b{display:block;font-size:22px}.kpi span{color:#52606d;font-size:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:14px}
.chart{background:#fff;border:1px solid #e4e7eb;border-radius:8px;margin:0;padding:10px 12px}
.chart.wide{grid-column:1/-1}
.chart figcaption{font-weight:600;margin-bottom:6px}
table{border-collapse:collapse;background:#fff;margin:0 0 16px;min-width:360px}
caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border:1px solid #e4e7eb;padding:4px 8px;text-align:left}th{background:#eef1f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
.tables{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:0 24px;align-items:start}
.none,.note{color:#52606d}`;

/** The whole page. */
export function renderReportHtml(r: CampaignReport, opts: HtmlOptions): string {
  const c = r.campaign;
  const f = r.funnel;
  const main = reportCharts(r);
  const journey = journeyCharts(r);
  const charts = [...main, ...journey];
  const h = r.holdout;
  const kpi = (value: string | number, label: string) => `<div class="kpi"><b>${esc(value)}</b><span>${esc(label)}</span></div>`;
  const library = opts.chartLibrary.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>Campaign ${esc(c.id)} ${esc(c.name)}: report</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>Campaign ${esc(c.id)}: ${esc(c.name)}</h1>
<p class="meta">${esc(c.category)} · ${esc(c.status)} · created ${esc(c.createdAt)}${c.launchedAt ? ` · launched ${esc(c.launchedAt)}` : ''}${c.finishedAt ? ` · finished ${esc(c.finishedAt)}` : ''} · report read ${esc(opts.generatedAt)}</p>
<div class="kpis">
${kpi(r.recipients.planned, 'recipients')}${kpi(f.sent, 'sent')}${kpi(percent(f.rates.delivered), 'delivered')}${kpi(f.clicked, 'clicked')}${kpi(f.replied, 'replied')}${kpi(f.ordered, 'ordered')}${kpi(f.optedOut, 'opted out')}${kpi(f.segments, 'SMS segments')}
</div>
<p class="note">Attribution window ${esc(r.attribution.window)}: ${esc(r.attribution.rule)}.</p>
<h2>Charts</h2>
<div class="charts">
${main.map(chartBox).join('\n')}
</div>
${
  journey.length
    ? `<h2 id="journey">Steps and holdout</h2>
${h ? `<div class="kpis">${kpi(upliftText(h), 'uplift (conversion, messaged - holdout)')}${kpi(h.holdout.contacts, 'holdout contacts')}</div>` : ''}
<div class="charts">
${journey.map(chartBox).join('\n')}
</div>
${h ? `<div class="tables">${table([...HOLDOUT_COLUMNS], holdoutRows(h), HOLDOUT_TITLE.replace(/^h/, 'H'))}</div>` : ''}`
    : ''
}
<h2>Figures</h2>
<div class="tables">
${table(['stage', 'messages', 'of sent'], funnelTable(f), 'Funnel')}
${table(['state', 'recipients'], Object.entries(r.recipients.byState).sort((a, b) => b[1] - a[1]), 'Recipients by state')}
${table(['kind', 'reason', 'rule', 'decisions', 'contacts'], r.decisions.map((d) => [d.decision, d.reason, d.rule ?? '-', d.decisions, d.contacts]), 'Decisions')}
${table(['rule', 'decisions', 'contacts'], r.caps.map((k) => [k.rule, k.decisions, k.contacts]), 'Caps hit')}
</div>
${DIMENSIONS.map((d) => table([d === 'localHour' ? 'hour' : d, ...BREAKDOWN_COLUMNS], r.by[d].map((b) => [b.key, ...breakdownCells(b)]), DIMENSION_TITLES[d].replace(/^by/, 'By'))).join('\n')}
</main>
<script id="report-data" type="application/json">${scriptJson(r)}</script>
<script id="report-charts" type="application/json">${scriptJson(charts)}</script>
<script>${library}</script>
<script>${DRAW}</script>
</body>
</html>
`;
}
