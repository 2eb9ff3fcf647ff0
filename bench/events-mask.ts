/**
 * What masking personal data in event properties (core/event-properties.ts maskPersonalProperties,
 * issue 17 item 2) costs `events import`: the import's per-event parse (core/event-parse.ts, what a
 * worker runs for every line) over a large generated file, without masking (as before) and with
 * it, in the same run, each as a ratio to the floor of JSON.parse over the same lines. Two files:
 * the CRM benchmark's year of events (bench/crm-file.ts; properties without personal data, the
 * common case) and the same events each given a free-text property naming a person (the worst case:
 * every event masked and warned).
 * Run: npx tsx bench/events-mask.ts [customers] [--no-record]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseEvent } from '../core/event-parse';
import { maskPersonalProperties } from '../core/event-properties';
import { DEFAULT_RULES } from '../core/events';
import { generateCrmFiles } from './crm-file';
import { record } from './record';

const customers = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 40_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-events-mask-'));
const files = await generateCrmFiles(dir, customers);
const clean = readFileSync(files.events, 'utf8').split('\n').filter((l) => l.length > 0);
rmSync(dir, { recursive: true, force: true });
const withText = clean.map((l, i) => {
  const e = JSON.parse(l);
  e.properties = { ...(e.properties ?? {}), note: `customer asked to be called on +86 138 ${String(1000 + (i % 9000))} 5678 or mailed at buyer${i}@example.com` };
  return JSON.stringify(e);
});
const now = new Date('2026-11-26T00:00:00Z');

const floor = (lines: readonly string[]) => {
  let n = 0;
  for (const l of lines) if (JSON.parse(l)) n++;
  return n;
};
const parse = (lines: readonly string[], mask: boolean) => () => {
  let warned = 0;
  for (const l of lines) {
    const p = parseEvent(JSON.parse(l), { rules: DEFAULT_RULES, defaultSource: 'bench', sequentialIds: true, now, maskPersonalData: mask });
    if (p.ok) warned += p.warnings.length;
  }
  return warned;
};

/** The masking step alone, over the properties as the parse leaves them. */
const maskOnly = (properties: ReadonlyArray<Record<string, unknown>>) => () => {
  let warned = 0;
  for (const p of properties) warned += maskPersonalProperties(p).warnings.length;
  return warned;
};

/** Best of nine rounds, the four measured alternately so that a noisy moment hits them alike. */
function measure(lines: readonly string[]) {
  const parsed = lines.map((l) => parseEvent(JSON.parse(l), { rules: DEFAULT_RULES, defaultSource: 'bench', sequentialIds: true, now, maskPersonalData: false }));
  const properties = parsed.flatMap((p) => (p.ok ? [p.event.properties] : []));
  const runs = { floor: () => floor(lines), before: parse(lines, false), after: parse(lines, true), mask: maskOnly(properties) };
  const best = { floor: Infinity, before: Infinity, after: Infinity, mask: Infinity };
  for (let round = 0; round < 9; round++)
    for (const k of Object.keys(runs) as Array<keyof typeof runs>) {
      const t = performance.now();
      runs[k]();
      best[k] = Math.min(best[k], performance.now() - t);
    }
  const perSecond = (ms: number) => Math.round(lines.length / (ms / 1000));
  return {
    events: lines.length,
    floorJsonParseMs: Math.round(best.floor),
    beforeMs: Math.round(best.before),
    afterMs: Math.round(best.after),
    beforeEventsPerSecond: perSecond(best.before),
    afterEventsPerSecond: perSecond(best.after),
    beforeRatioToFloor: Number((best.before / best.floor).toFixed(2)),
    afterRatioToFloor: Number((best.after / best.floor).toFixed(2)),
    afterOverBefore: Number((best.after / best.before).toFixed(3)),
    /** The masking step alone: its cost per event, and as a share of the parse without it. */
    maskOnlyMs: Math.round(best.mask),
    maskNsPerEvent: Math.round((best.mask * 1e6) / lines.length),
    maskShareOfBefore: Number((best.mask / best.before).toFixed(3)),
    warningsAfter: runs.after() - runs.before(),
  };
}

const figures = { customers, clean: measure(clean), everyEventNamesAPerson: measure(withText) };
if (process.argv.includes('--no-record')) console.log(JSON.stringify(figures, null, 2));
else record('events-mask', figures);
