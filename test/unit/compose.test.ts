import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config';
import { ENV_VARS } from '../../infra/config-vars';
import { projectRoot } from '../../infra/paths';

// Docker is not available on the development machines, so the compose file is checked here:
// every reachloop service is configured only through variables the config module knows (besides
// Node's own NODE_OPTIONS), and those values pass its validation.
type Service = {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  command?: string[] | string;
  depends_on?: Record<string, { condition: string }> | string[];
  restart?: string;
  healthcheck?: { test: string[] };
};
const compose = parse(readFileSync(path.join(projectRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };

/** A value given for every variable the file requires (`${VAR:?message}`), as an operator sets them. */
const REQUIRED_GIVEN: Record<string, string> = {
  REACHLOOP_SIGNING_SECRET: 'a-signing-secret-of-32-characters',
  REACHLOOP_DATA_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
  REACHLOOP_LOOKUP_KEY: Buffer.alloc(32, 2).toString('base64'),
};
/** `${VAR:-default}` as Compose interpolates it in a shell without VAR set; `${VAR:?...}` as set by the operator. */
const interpolateDefaults = (v: string) =>
  v.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1').replace(/\$\{([A-Z_]+):\?[^}]*\}/g, (_m, name: string) => REQUIRED_GIVEN[name] ?? `(unset ${name})`);

const envOf = (s: Service): Record<string, string> =>
  Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolateDefaults(String(v))]));

/** Node's own variables (not reachloop configuration), e.g. the worker's V8 flags for bulk work. */
const NODE_RUNTIME_VARS = ['NODE_OPTIONS'];

const conditionOf = (s: Service, dependency: string) => (Array.isArray(s.depends_on) ? undefined : s.depends_on?.[dependency]?.condition);

const reachloopServices = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);

describe('docker-compose.yml', () => {
  it('has Postgres, a Postgres-backed Temporal with its schema, the UI, the worker and the server', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgres', 'temporal-schema', 'temporal', 'temporal-namespace', 'temporal-ui', 'worker', 'server']));
    expect(envOf(compose.services.temporal!)).toMatchObject({ DB: 'postgres12' });
  });

  it('runs a current temporalio/server image, never the deprecated auto-setup one', () => {
    for (const [name, s] of Object.entries(compose.services)) expect(s.image ?? '', name).not.toMatch(/auto-setup/);
    expect(compose.services.temporal!.image).toMatch(/^temporalio\/server:\d+\.\d+/);
    expect(compose.services['temporal-schema']!.image).toMatch(/^temporalio\/admin-tools:/);
    // The admin tools of the server's own release: the schema they set up is the one it expects.
    const release = (image: string | undefined) => image?.split(':')[1]?.split('.').slice(0, 2).join('.');
    expect(release(compose.services['temporal-schema']!.image)).toBe(release(compose.services.temporal!.image));
  });

  it('a one-shot job creates and updates both Temporal schemas in the same database before the server starts', () => {
    const job = compose.services['temporal-schema']!;
    const script = [job.command ?? []].flat().join('\n');
    for (const step of ['create', 'setup-schema -v 0.0', 'update-schema -d']) expect(script).toContain(step);
    expect(script).toMatch(/temporal-sql-tool --plugin postgres12/);
    // The default store and visibility, each from its own versioned schema folder.
    const jobEnv = envOf(job);
    expect(script).toContain('$$DBNAME:temporal');
    expect(script).toContain('$$VISIBILITY_DBNAME:visibility');
    expect(jobEnv.DBNAME).toBeTruthy();
    expect(jobEnv.VISIBILITY_DBNAME).toBeTruthy();
    expect(jobEnv.DBNAME).not.toBe(jobEnv.VISIBILITY_DBNAME);
    // The job writes where the server reads: the same database server, user, password and names.
    const server = envOf(compose.services.temporal!);
    for (const key of ['DB', 'DB_PORT', 'POSTGRES_SEEDS', 'POSTGRES_USER', 'POSTGRES_PWD', 'DBNAME', 'VISIBILITY_DBNAME']) expect(server[key], key).toBe(jobEnv[key]);
    // ... and the database server PostgreSQL runs with those credentials.
    const pg = envOf(compose.services.postgres!);
    expect(server.POSTGRES_USER).toBe(pg.POSTGRES_USER);
    expect(server.POSTGRES_PWD).toBe(pg.POSTGRES_PASSWORD);
    expect(conditionOf(job, 'postgres')).toBe('service_healthy');
    expect(conditionOf(compose.services.temporal!, 'temporal-schema')).toBe('service_completed_successfully');
  });

  it('waits on health, not on start: Temporal healthy, its namespace made, the worker\'s migrations applied', () => {
    const s = compose.services;
    expect(s.temporal!.healthcheck?.test.join(' ')).toMatch(/cluster health/);
    expect(conditionOf(s['temporal-namespace']!, 'temporal')).toBe('service_healthy');
    expect([s['temporal-namespace']!.command ?? []].flat().join('\n')).toMatch(/temporal operator namespace create --namespace "\$\$TEMPORAL_NAMESPACE"/);
    expect(conditionOf(s.worker!, 'postgres')).toBe('service_healthy');
    expect(conditionOf(s.worker!, 'temporal-namespace')).toBe('service_completed_successfully');
    expect(conditionOf(s['temporal-ui']!, 'temporal')).toBe('service_healthy');
    // The worker applies the migrations at start and is healthy once none is pending; `serve`
    // refuses pending migrations, so the server starts only after that.
    expect(s.worker!.command).toEqual(['worker', '--migrate']);
    expect(s.worker!.healthcheck?.test).toEqual(['CMD', 'node', 'bin/reachloop.mjs', 'migrate', '--check']);
    expect(conditionOf(s.server!, 'worker')).toBe('service_healthy');
    // Every dependency has a condition (a bare list would only wait for the container to start).
    for (const [name, service] of Object.entries(s)) if (service.depends_on) expect(Array.isArray(service.depends_on), name).toBe(false);
  });

  it('the namespace job registers the namespace the worker and the server use, at the address they use', () => {
    const ns = envOf(compose.services['temporal-namespace']!);
    const worker = envOf(compose.services.worker!);
    expect(ns.TEMPORAL_NAMESPACE).toBe(worker.TEMPORAL_NAMESPACE);
    expect(ns.TEMPORAL_ADDRESS).toBe(worker.TEMPORAL_ADDRESS);
    expect(envOf(compose.services['temporal-ui']!).TEMPORAL_ADDRESS).toBe(worker.TEMPORAL_ADDRESS);
  });

  it('builds the worker and the server from this repository', () => {
    expect(reachloopServices.map(([name]) => name).sort()).toEqual(['server', 'worker']);
  });

  it.each(reachloopServices)('%s uses only configuration variables the config module defines, with valid values', (_name, service) => {
    const env = envOf(service);
    expect(Object.keys(env).length).toBeGreaterThan(0);
    for (const key of Object.keys(env)) expect([...Object.keys(ENV_VARS), ...NODE_RUNTIME_VARS]).toContain(key);
    expect(() => loadConfig(env)).not.toThrow();
    // Production shape: both point at the compose servers, never at embedded ones.
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
  });

  it('the worker and the server share what one signs or writes and the other reads: signing secret, public URL, state folder', () => {
    const [worker, server] = [envOf(compose.services.worker!), envOf(compose.services.server!)];
    for (const key of ['REACHLOOP_SIGNING_SECRET', 'REACHLOOP_DATA_KEYS', 'REACHLOOP_LOOKUP_KEY', 'PUBLIC_BASE_URL', 'REACHLOOP_STATE_DIR', 'DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE', 'SMS_PROVIDER']) {
      expect(worker[key], key).toBeDefined();
      expect(server[key], key).toBe(worker[key]);
    }
    // Every secret, key or provider setting either one has, the other has with the same value
    // (data keys for personal data at rest included, once the file sets them): only the
    // process's own listening address and runtime flags may differ.
    const own = new Set(['HTTP_HOST', 'HTTP_PORT', ...NODE_RUNTIME_VARS]);
    for (const key of new Set([...Object.keys(worker), ...Object.keys(server)])) if (!own.has(key)) expect(server[key], key).toBe(worker[key]);
    // The public URL is where Twilio and recipients reach the server: never a loopback address
    // baked into the worker's links, unless the operator leaves the default for a local try.
    expect(String(compose.services.worker!.environment!.PUBLIC_BASE_URL)).toMatch(/^\$\{PUBLIC_BASE_URL[:?-]/);
    // The database the worker migrates is the one PostgreSQL serves with its credentials.
    const pg = envOf(compose.services.postgres!);
    expect(new URL(worker.DATABASE_URL!).username).toBe(pg.POSTGRES_USER);
    expect(decodeURIComponent(new URL(worker.DATABASE_URL!).password)).toBe(pg.POSTGRES_PASSWORD);
    expect(new URL(worker.DATABASE_URL!).pathname).toBe(`/${pg.POSTGRES_DB}`);
    // Required, never generated per container: compose refuses to start without it.
    expect(String(compose.services.worker!.environment!.REACHLOOP_SIGNING_SECRET)).toMatch(/^\$\{REACHLOOP_SIGNING_SECRET:\?/);
    const volumesOf = (s: Service) => ((s as { volumes?: string[] }).volumes ?? []).map((v) => v.split(':')[0]);
    expect(volumesOf(compose.services.worker!)).toContain('reachloop-state');
    expect(volumesOf(compose.services.server!)).toContain('reachloop-state');
  });

  it('every long-running service restarts, a one-shot job only on failure; the server and PostgreSQL have health checks', () => {
    const jobs = ['temporal-schema', 'temporal-namespace'];
    for (const [name, s] of Object.entries(compose.services)) expect(s.restart, name).toBe(jobs.includes(name) ? 'on-failure' : 'unless-stopped');
    expect((compose.services.server as { healthcheck?: { test: string[] } }).healthcheck?.test.join(' ')).toContain('/healthz');
    expect((compose.services.postgres as { healthcheck?: unknown }).healthcheck).toBeDefined();
  });
});
