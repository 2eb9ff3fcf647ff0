import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ENV_VARS, loadConfig } from '../../infra/config';
import { projectRoot } from '../../infra/paths';

// Docker is not available on the development machines, so the compose file is checked here:
// every reachloop service is configured only through variables the config module knows (besides
// Node's own NODE_OPTIONS), and those values pass its validation.
type Service = { image?: string; build?: unknown; environment?: Record<string, string>; command?: string[] | string; depends_on?: unknown };
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

const reachloopServices = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);

describe('docker-compose.yml', () => {
  it('has Postgres, a Postgres-backed Temporal with its schema, the UI, the worker and the server', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgres', 'temporal', 'temporal-ui', 'worker', 'server']));
    expect(envOf(compose.services.temporal!)).toMatchObject({ DB: 'postgres12' });
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
    // Required, never generated per container: compose refuses to start without it.
    expect(String(compose.services.worker!.environment!.REACHLOOP_SIGNING_SECRET)).toMatch(/^\$\{REACHLOOP_SIGNING_SECRET:\?/);
    const volumesOf = (s: Service) => ((s as { volumes?: string[] }).volumes ?? []).map((v) => v.split(':')[0]);
    expect(volumesOf(compose.services.worker!)).toContain('reachloop-state');
    expect(volumesOf(compose.services.server!)).toContain('reachloop-state');
  });

  it('every long-running service restarts, and the server and PostgreSQL have health checks', () => {
    for (const [name, s] of Object.entries(compose.services)) expect((s as { restart?: string }).restart, name).toBe('unless-stopped');
    expect((compose.services.server as { healthcheck?: { test: string[] } }).healthcheck?.test.join(' ')).toContain('/healthz');
    expect((compose.services.postgres as { healthcheck?: unknown }).healthcheck).toBeDefined();
  });
});
