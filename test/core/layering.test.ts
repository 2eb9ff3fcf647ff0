import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSource as read, ROOT, sourceFiles as sources, withoutComments as code } from '../helpers/source-files';

// The arrows run one way: rules in core/ are pure (no I/O, no clock, no other layer), workflows
// are deterministic (Temporal's workflow API and type-only imports), the edges (client/, server/,
// infra/) call services/, never activities/, and nothing below the CLI imports client/. Each check
// is shown to fail on a planted import.

interface Import {
  spec: string;
  typeOnly: boolean;
}
/** The imports (and re-exports) of a module, with whether they are type-only. */
export function importsOf(text: string): Import[] {
  const out: Import[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) out.push({ spec: m[3]!, typeOnly: !!m[2] });
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ spec: m[1]!, typeOnly: false });
  return out;
}
/** Where a relative import of `file` lands, as a repo path. */
const target = (file: string, spec: string) => path.normalize(path.join(path.dirname(file), spec));

/** Problems of a core/ module: I/O, another layer, a clock or randomness. */
function coreProblems(file: string, text: string): string[] {
  const out: string[] = [];
  for (const i of importsOf(text)) {
    if (i.spec.startsWith('.')) {
      if (!target(file, i.spec).startsWith(`core${path.sep}`)) out.push(`${file}: imports ${i.spec} (outside core/)`);
    } else if (/^(node:|fs$|path$|os$|child_process$|pg|fastify|@temporalio\/|twilio|nodemailer|undici|pino)/.test(i.spec)) out.push(`${file}: imports ${i.spec} (I/O)`);
  }
  const c = code(text);
  for (const m of c.matchAll(/\bDate\.now\(|\bnew Date\(\)|\bMath\.random\(|\bprocess\.(env|hrtime)|\bperformance\.now\(/g)) out.push(`${file}: ${m[0]} (a clock, randomness or the environment)`);
  return out;
}

/** Problems of a workflows/ module: anything but Temporal's workflow API, siblings and types. */
function workflowProblems(file: string, text: string): string[] {
  return importsOf(text)
    .filter((i) => !i.typeOnly && !i.spec.startsWith('./') && i.spec !== '@temporalio/workflow')
    .map((i) => `${file}: imports ${i.spec} (workflows import @temporalio/workflow, their siblings and types only)`);
}

/** The top folder a relative import of `file` lands in. */
const layerOf = (file: string, spec: string) => target(file, spec).split(path.sep)[0];

/** An edge (client/, server/, infra/) importing activities/, even for a type: edges call services/. */
function edgeImportsActivities(file: string, text: string): boolean {
  return importsOf(text).some((i) => i.spec.startsWith('.') && layerOf(file, i.spec) === 'activities');
}

/** Problems of a module below the CLI (server/, activities/, infra/, services/): it imports client/. */
function clientImportProblems(file: string, text: string): string[] {
  return importsOf(text)
    .filter((i) => i.spec.startsWith('.') && layerOf(file, i.spec) === 'client')
    .map((i) => `${file}: imports ${i.spec} (client/ is the CLI, an edge nothing else imports)`);
}

/** services/ (use cases) call rules, queries and providers; never an edge or an activity. */
function serviceProblems(file: string, text: string): string[] {
  return importsOf(text)
    .filter((i) => i.spec.startsWith('.') && ['client', 'server', 'activities'].includes(layerOf(file, i.spec)!))
    .map((i) => `${file}: imports ${i.spec} (services call core/, db/, channels/ and Temporal's client, not edges or activities)`);
}

/** A statement's opening words, in upper case as every query of db/ writes them. */
const SQL = /\b(SELECT\s+[\w*(]|INSERT\s+INTO\b|UPDATE\s+\w+(?:\s+\w+)?\s+SET\b|DELETE\s+FROM\b|COPY\s+[\w$({]|CREATE\s+(?:TABLE|INDEX|UNIQUE|DATABASE|SCHEMA|EXTENSION|VIEW|FUNCTION|TRIGGER|TEMP|UNLOGGED|OR\s+REPLACE)\b)/;

/** The string literals of a module's code ('…', "…", `…`), comments left out. */
const literalsOf = (text: string): string[] => [...code(text).matchAll(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g)].map((m) => m[0]);

/** Problems of a module outside db/: an SQL statement in one of its strings (queries live in db/). */
function sqlProblems(file: string, text: string): string[] {
  return literalsOf(text).flatMap((l) => (SQL.test(l) ? [`${file}: SQL ${l.slice(0, 60).replace(/\s+/g, ' ')} (every statement is a named query in db/)`] : []));
}

/** Every source folder but db/ (queries), test/ and bench/ (which set up and measure with SQL of their own). */
const OUTSIDE_DB = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith('.') && !['db', 'test', 'bench', 'node_modules', 'docs'].includes(d.name))
  .map((d) => d.name);

/** Whether a module writes the suppressions table itself (db/suppressions.ts is its one writer). */
const suppressionWrites = (text: string) => /\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+suppressions\b/i.test(code(text));

describe('layering', () => {
  it('core/ is pure: no I/O, no other layer, no clock', () => {
    const files = sources('core');
    expect(files.length).toBeGreaterThan(40);
    expect(files.flatMap((f) => coreProblems(f, read(f)))).toEqual([]);
  });

  it('workflows/ import only the workflow API, their siblings and types', () => {
    const files = sources('workflows');
    expect(files.flatMap((f) => workflowProblems(f, read(f)))).toEqual([]);
  });

  it('edges (client/, server/, infra/) do not import activities/', () => {
    const edges = ['client', 'server', 'infra'].flatMap(sources);
    expect(edges.length).toBeGreaterThan(40);
    expect(edges.filter((f) => edgeImportsActivities(f, read(f)))).toEqual([]);
  });

  it('no client/ module is imported by server/, activities/, infra/ or services/', () => {
    const files = ['server', 'activities', 'infra', 'services'].flatMap(sources);
    expect(files.flatMap((f) => clientImportProblems(f, read(f)))).toEqual([]);
  });

  it('services/ import no edge and no activity', () => {
    const files = sources('services');
    expect(files.length).toBeGreaterThan(0);
    expect(files.flatMap((f) => serviceProblems(f, read(f)))).toEqual([]);
  });

  it('no SQL outside db/', () => {
    expect(OUTSIDE_DB).toEqual(expect.arrayContaining(['activities', 'client', 'core', 'infra', 'server', 'services', 'workflows']));
    const files = OUTSIDE_DB.flatMap(sources);
    expect(files.length).toBeGreaterThan(200);
    expect(files.flatMap((f) => sqlProblems(f, read(f)))).toEqual([]);
  });

  it('suppressions have one writer: db/suppressions.ts', () => {
    const writers = sources('db')
      .filter((f) => f !== path.join('db', 'suppressions.ts'))
      .filter((f) => suppressionWrites(read(f)));
    expect(writers).toEqual([]);
    expect(suppressionWrites('await client.query(`INSERT INTO suppressions (contact_id) VALUES ($1)`)')).toBe(true);
    expect(suppressionWrites('await insertSuppressions(client, rows, at)')).toBe(false);
  });

  it('each check fails on a planted import', () => {
    const f = path.join('core', 'x.ts');
    expect(coreProblems(f, `import { Pool } from 'pg';`)).toHaveLength(1);
    expect(coreProblems(f, `import { q } from '../db/ledger';`)).toHaveLength(1);
    expect(coreProblems(f, `import { readFileSync } from 'node:fs';`)).toHaveLength(1);
    expect(coreProblems(f, `export const t = () => Date.now();`)).toHaveLength(1);
    expect(coreProblems(f, `import { x } from './y';\n// Date.now() in a comment\nimport data from './p.json' with { type: 'json' };`)).toEqual([]);
    const w = path.join('workflows', 'x.ts');
    expect(workflowProblems(w, `import { DateTime } from 'luxon';`)).toHaveLength(1);
    expect(workflowProblems(w, `import { createActivities } from '../activities';`)).toHaveLength(1);
    expect(workflowProblems(w, `import type { Activities } from '../activities';\nimport { sleep } from '@temporalio/workflow';`)).toEqual([]);
    expect(edgeImportsActivities(path.join('server', 'x.ts'), `import { applyInboundSms } from '../activities/inbound';`)).toBe(true);
    expect(edgeImportsActivities(path.join('infra', 'x.ts'), `import type { ActivityDeps } from '../activities';`)).toBe(true);
    expect(edgeImportsActivities(path.join('server', 'x.ts'), `import { applyInboundSms } from '../services/inbound';`)).toBe(false);
    expect(clientImportProblems(path.join('server', 'x.ts'), `import type { RecoveryLink } from '../client/recovery/lifecycle';`)).toHaveLength(1);
    expect(clientImportProblems(path.join('services', 'x.ts'), `import { withPool } from '../client/session';`)).toHaveLength(1);
    expect(clientImportProblems(path.join('server', 'x.ts'), `import { recoveryLink } from '../services/recovery-lifecycle';`)).toEqual([]);
    const s = path.join('services', 'x.ts');
    expect(serviceProblems(s, `import { emit } from '../client/cli-kit';`)).toHaveLength(1);
    expect(serviceProblems(s, `import { applyInboundSms } from '../activities/inbound';`)).toHaveLength(1);
    expect(serviceProblems(s, `import { markCampaignLaunched } from '../db/campaigns';`)).toEqual([]);
    const c = path.join('client', 'x.ts');
    expect(sqlProblems(c, "await pool.query('SELECT id FROM contacts WHERE phone_hash = $1', [h]);")).toHaveLength(1);
    expect(sqlProblems(c, 'await pool.query(`UPDATE imports SET status = \'failed\' WHERE id = $1`, [id]);')).toHaveLength(1);
    expect(sqlProblems(c, `await c.query("INSERT INTO smoke_runs (label) VALUES ($1)", [l]);`)).toHaveLength(1);
    expect(sqlProblems(c, "await c.query('DELETE FROM suppressions WHERE contact_id = $1', [id]);")).toHaveLength(1);
    expect(sqlProblems(c, 'client.query(copyFrom(`COPY ${table} (seq, raw) FROM STDIN`));')).toHaveLength(1);
    expect(sqlProblems(c, "await c.query('CREATE UNLOGGED TABLE t (id int)');")).toHaveLength(1);
    expect(sqlProblems(c, "await pool.query('SELECT 1');")).toHaveLength(1);
    expect(sqlProblems(c, `// SELECT id FROM contacts: a comment\nconst m = 'select a tier, then update the file';\nthrow new UsageError('--segment must be recovery or all');`)).toEqual([]);
  });
});
