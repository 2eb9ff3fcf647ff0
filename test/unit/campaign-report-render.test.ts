import { describe, expect, it } from 'vitest';
import { chartLibrarySource } from '../../client/campaign-report/chart-library';
import { reportCharts } from '../../client/campaign-report/charts';
import { renderReportHtml } from '../../client/campaign-report/html';
import { renderReportText } from '../../client/campaign-report/text';
import { COLOUR, displayWidth, PLAIN, renderTable, styleFor } from '../../client/table';
import { emptyCounts, shapeCampaignReport } from '../../core/campaign/report';

// The report's text and HTML renderings (no database: the figures are made here).

const report = shapeCampaignReport(
  {
    campaign: { id: 12, name: 'Winter </script><img src=x onerror=alert(1)> 冬季', category: 'marketing', status: 'completed', createdAt: '2026-11-25T17:00:00.000Z', launchedAt: null, finishedAt: null },
    recipients: { planned: 3, byState: { sent: 2, skipped: 1 } },
    decisions: [
      { decision: 'SEND', reason: 'ok', rule: null, decisions: 2, contacts: 2 },
      { decision: 'SKIP', reason: 'deadline_passed', rule: 'cap:tier-cadence-B', decisions: 1, contacts: 1 },
    ],
    caps: [{ rule: 'cap:tier-cadence-B', decisions: 1, contacts: 1 }],
    groups: [
      { dimension: null, key: null, counts: { ...emptyCounts(), messages: 2, sent: 2, delivered: 1, segments: 3 } },
      { dimension: 'country', key: 'CN', counts: { ...emptyCounts(), messages: 2, sent: 2, delivered: 1, segments: 3 } },
      { dimension: 'localHour', key: 10, counts: { ...emptyCounts(), messages: 2, sent: 2, delivered: 1, segments: 3 } },
    ],
    attributionMs: 86_400_000,
  },
  '1d',
);

describe('renderTable', () => {
  it('pads columns, right-aligns numbers, counts wide characters twice', () => {
    expect(renderTable(['name', 'n'], [['冬季', 3], ['spring', 12]], PLAIN)).toBe(['  name     n', '  冬季     3', '  spring  12'].join('\n'));
    expect(displayWidth('冬季a')).toBe(5);
  });

  it('colour: headings bold, zeros dim; none when piped or NO_COLOR', () => {
    expect(renderTable(['n'], [[0]], COLOUR)).toBe(`  \x1b[1mn\x1b[22m\n  \x1b[2m0\x1b[22m`);
    expect(styleFor({ isTTY: true }, {})).toBe(COLOUR);
    expect(styleFor({ isTTY: false }, {})).toBe(PLAIN);
    expect(styleFor({ isTTY: true }, { NO_COLOR: '1' })).toBe(PLAIN);
    expect(styleFor({ isTTY: true }, { TERM: 'dumb' })).toBe(PLAIN);
    expect(styleFor({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(COLOUR);
  });
});

describe('renderReportText', () => {
  it('the heading, funnel, decisions, caps and each breakdown', () => {
    const text = renderReportText(report, PLAIN);
    expect(text).toContain('recipients 3: sent 2, skipped 1');
    expect(text).toContain('messages 2, cost 3 SMS segments');
    expect(text).toMatch(/^ {2}delivered +1 +50%$/m);
    expect(text).toMatch(/^caps hit\n {2}rule .*\n {2}cap:tier-cadence-B +1 +1$/m);
    expect(text).toMatch(/^by country\n.*\n {2}CN +2 +1 /m);
    expect(text).toMatch(/^by step\n {2}nothing sent$/m);
    expect(text).not.toMatch(/\x1b/);
  });
});

describe('renderReportHtml', () => {
  const html = renderReportHtml(report, { chartLibrary: chartLibrarySource(), generatedAt: '2026-11-26T00:00:00.000Z' });

  it('is self-contained: the library inlined, no external reference, a CSP that forbids fetching', () => {
    expect(html).toContain('Chart.js v4.6.2');
    expect(html).toContain(`content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:|\/\/)/);
    expect(html).not.toContain('sourceMappingURL');
  });

  it('escapes what an operator typed, in the markup and in the embedded JSON', () => {
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('Winter &#60;/script&#62;&#60;img src=x onerror=alert(1)&#62; 冬季');
    expect(html.match(/<\/script>/g)).toHaveLength(4); // the four script elements, nothing else
    const data = html.match(/<script id="report-data" type="application\/json">(.*?)<\/script>/s)![1]!;
    expect(JSON.parse(data).campaign.name).toBe(report.campaign.name);
  });

  it('one canvas per chart, the chart specs embedded as the page draws them', () => {
    const charts = reportCharts(report);
    expect(charts.map((c) => c.id)).toEqual(['funnel', 'tier', 'decisions', 'local-hour', 'channel', 'country', 'step']);
    for (const c of charts) expect(html).toContain(`<canvas id="chart-${c.id}"`);
    expect(charts.find((c) => c.id === 'local-hour')!.datasets[0]!.data[10]).toBe(2);
    expect(charts.find((c) => c.id === 'decisions')!.datasets.map((d) => [d.label, d.data])).toEqual([
      ['SEND', [2, 0]],
      ['SKIP', [0, 1]],
    ]);
  });
});
