import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSource as read, sourceFiles as sources, withoutComments as code } from '../helpers/source-files';

// Modules stay small (one idea each) and workflows are started by their function, not by a type
// name string. Tests and benchmarks aside. Each check is shown to fail on a planted file.

/** Lines a module may have (STYLE: small modules, about 300 lines). */
export const MAX_LINES = 300;

/** Every top-level folder of application source (README's architecture section names each). */
const SOURCE_FOLDERS = ['activities', 'channels', 'client', 'core', 'db', 'infra', 'sandbox', 'scripts', 'server', 'services', 'worker', 'workflows'];

/** Modules allowed over MAX_LINES, each with why. */
const LONG_MODULES: Record<string, string> = {
  'core/phone/nanp-regions.data.ts': 'generated data (libphonenumber geocoding)',
  'core/phone/tzdata.ts': 'generated data (IANA zones per country)',
};
const EXEMPT = new Map(Object.entries(LONG_MODULES).map(([f, why]) => [path.normalize(f), why]));

const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
/** A module over the limit, or null. */
export function tooLong(file: string, text: string): string | null {
  const n = lineCount(text);
  return n > MAX_LINES && !EXEMPT.has(path.normalize(file)) ? `${file}: ${n} lines (at most ${MAX_LINES}: split it along its seams)` : null;
}

/** Starts of a workflow by a type name string instead of the imported workflow function. */
export function startsByName(file: string, text: string): string[] {
  const c = code(text);
  const found = [
    ...c.matchAll(/\.(?:start|execute|signalWithStart|executeChild|startChild)(?:<[^>(]*>)?\(\s*['"`]\w*Workflow['"`]/g),
    ...c.matchAll(/\b(?:executeChild|startChild)(?:<[^>(]*>)?\(\s*['"`]/g),
    ...c.matchAll(/\bworkflowType\s*:\s*['"`]/g),
  ];
  return found.map((m) => `${file}: ${m[0]} (pass the workflow function, imported from workflows/)`);
}

describe('module shape', () => {
  const files = SOURCE_FOLDERS.flatMap(sources);

  it(`no module is over ${MAX_LINES} lines but the listed exemptions`, () => {
    expect(files.length).toBeGreaterThan(200);
    expect(files.flatMap((f) => tooLong(f, read(f)) ?? [])).toEqual([]);
  });

  it('every exemption exists and is still over the limit (the list only shrinks)', () => {
    for (const f of EXEMPT.keys()) expect(lineCount(read(f)), f).toBeGreaterThan(MAX_LINES);
  });

  it('workflows are started, scheduled and run as children by their function, never by a name string', () => {
    const starting = ['client', 'services', 'infra', 'server', 'workflows', 'activities', 'worker'].flatMap(sources);
    expect(starting.flatMap((f) => startsByName(f, read(f)))).toEqual([]);
  });

  it('each check fails on a planted file', () => {
    const long = Array.from({ length: MAX_LINES + 1 }, (_, i) => `export const x${i} = ${i};`).join('\n') + '\n';
    expect(tooLong(path.join('core', 'planted.ts'), long)).toMatch(/301 lines/);
    expect(tooLong(path.join('core', 'planted.ts'), long.split('\n').slice(1).join('\n'))).toBeNull();
    expect(tooLong(path.join('core', 'phone', 'tzdata.ts'), long)).toBeNull();
    const f = path.join('client', 'x.ts');
    expect(startsByName(f, `await client.workflow.start('campaignWorkflow', { taskQueue, workflowId, args });`)).toHaveLength(1);
    expect(startsByName(f, `await c.workflow.start<typeof campaignWorkflow>("campaignWorkflow", {});`)).toHaveLength(1);
    expect(startsByName(f, `await client.workflow.signalWithStart('recoveryWorkflow', {});`)).toHaveLength(1);
    expect(startsByName(f, `upsertSchedule(client, { workflowType: 'recheckWorkflow', args });`)).toHaveLength(1);
    expect(startsByName(path.join('workflows', 'x.ts'), `await executeChild('campaignWorkflow', {});`)).toHaveLength(1);
    expect(startsByName(f, `await client.workflow.start(campaignWorkflow, {});\nupsertSchedule(client, { workflowType: recheckWorkflow });\n// client.workflow.start('old')`)).toEqual([]);
  });
});
