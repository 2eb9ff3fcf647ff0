import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

/**
 * Headless Chromium for tests of pages reachloop writes (the HTML campaign report): the system's
 * Chromium (Debian package `chromium`; CHROMIUM_PATH to use another), driven by playwright-core.
 * The flags keep Chromium from phoning home at start, so every request a page makes is its own.
 */
export function chromiumPath(): string {
  const found = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string => !!p && existsSync(p));
  if (!found) throw new Error('no Chromium: install the Debian package `chromium` (apt-get install chromium), or set CHROMIUM_PATH');
  return found;
}

const QUIET = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-default-apps'];

export interface RenderedChart {
  id: string;
  labels: string[];
  datasets: Array<{ label: string; data: number[]; paintedPixels: number }>;
}

export interface RenderedReport {
  /** Every URL the page requested, the page itself included. */
  requests: string[];
  /** Script errors and console errors (a Content-Security-Policy refusal is one). */
  errors: string[];
  /** Each canvas's chart as Chart.js holds it, and how many pixels each dataset's colour covers. */
  charts: RenderedChart[];
  /** The page's visible text. */
  tableText: string;
}

// Runs in the page (a string: this project's TypeScript has no DOM types).
const INSPECT = `(() => {
  const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const charts = [...document.querySelectorAll('canvas')].map((canvas) => {
    const chart = Chart.getChart(canvas);
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const datasets = chart.data.datasets.map((d) => {
      const [r, g, b] = rgb(d.backgroundColor);
      let n = 0;
      for (let i = 0; i < pixels.length; i += 4) if (pixels[i] === r && pixels[i + 1] === g && pixels[i + 2] === b && pixels[i + 3] === 255) n++;
      return { label: d.label, data: [...d.data], paintedPixels: n };
    });
    return { id: canvas.id.replace(/^chart-/, ''), labels: [...chart.data.labels], datasets };
  });
  return { charts, tableText: document.body.innerText };
})()`;

/** Opens an HTML file from disk, waits for its charts, inspects them and takes a full-page screenshot. */
export async function renderedReport(file: string, screenshot: string): Promise<RenderedReport> {
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: QUIET });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : undefined));
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    await page.waitForSelector('html[data-charts-drawn]', { timeout: 20_000, state: 'attached' });
    const inspected = (await page.evaluate(INSPECT)) as Pick<RenderedReport, 'charts' | 'tableText'>;
    mkdirSync(path.dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    return { requests, errors, ...inspected };
  } finally {
    await browser.close();
  }
}
