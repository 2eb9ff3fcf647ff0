import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../infra/net';
import { projectRoot } from '../infra/paths';
import { runCli } from './helpers/harness';

// `reachloop dev` as an operator uses it: start, use from another "terminal", Ctrl-C, start
// again. Ctrl-C must leave no process behind and lose no data.
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-dev-'));
chmodSync(stateDir, 0o755);
let devEnv: Record<string, string>;

afterAll(() => {
  if (processesUsing(stateDir)) execFileSync('pkill', ['-KILL', '-f', stateDir]); // only after a failure
  rmSync(stateDir, { recursive: true, force: true });
}, 30_000);

function startDev(): { child: ChildProcess; ready: Promise<string>; exited: Promise<number | null>; output: () => string } {
  const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'reachloop.mjs'), 'dev'], {
    env: { ...process.env, ...devEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes('ready.')) {
        clearInterval(timer);
        resolve(out);
      }
    }, 100);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`reachloop dev exited with ${code} before it was ready:\n${out}`));
    });
  });
  return { child, ready, exited, output: () => out };
}

const processesUsing = (dir: string): string => {
  try {
    return execFileSync('pgrep', ['-a', '-f', dir]).toString().trim();
  } catch {
    return ''; // pgrep exits 1 when nothing matches
  }
};

describe('reachloop dev', () => {
  it('runs the stack, serves other commands, stops cleanly on Ctrl-C, and finds its data again', async () => {
    devEnv = {
      REACHLOOP_STATE_DIR: stateDir,
      HTTP_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      TEMPORAL_ADDRESS: '',
      DATABASE_URL: '',
      REACHLOOP_API_TOKEN: 'legacy-token-legacy-token', // deprecated: still served, with a warning
    };
    const first = startDev();
    const banner = await first.ready;
    expect(banner).toMatch(/Temporal \(dev server\)\s+127\.0\.0\.1:\d+/);
    expect(banner).toMatch(/Temporal Web UI\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(banner).toMatch(/PostgreSQL \(embedded\)/);
    expect(banner).toMatch(/HTTP server\s+http:\/\/127\.0\.0\.1:\d+/);

    // Another terminal: the CLI finds the running stack by itself.
    const smoke = await runCli(['smoke', '--wait', '0', '--json', '--label', 'persist'], devEnv);
    expect(smoke.stderr).toBe('');
    expect(smoke.code).toBe(0);
    const rowIds = JSON.parse(smoke.stdout).rows.map((r: { id: string }) => r.id);
    expect(rowIds).toHaveLength(2);
    const health = await fetch(`http://127.0.0.1:${devEnv.HTTP_PORT}/healthz`);
    expect(await health.json()).toEqual({ ok: true });
    expect(first.output()).toContain('REACHLOOP_API_TOKEN is deprecated: it is accepted for events:write and messages:send only');

    // Ctrl-C (to the reachloop process only: it must stop its children itself).
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('stopped; data kept in the state folder.');
    expect(processesUsing(stateDir)).toBe('');

    // Start again: the rows and the workflow's history are still there.
    const second = startDev();
    await second.ready;
    const endpoints = JSON.parse(readFileSync(path.join(stateDir, 'dev-stack.json'), 'utf8'));
    const client = new pg.Client(endpoints.databaseUrl);
    await client.connect();
    const { rows } = await client.query('SELECT id::text, step FROM smoke_runs WHERE workflow_id = $1 ORDER BY id', ['smoke-persist']);
    await client.end();
    expect(rows.map((r) => r.id)).toEqual(rowIds);
    const connection = await Connection.connect({ address: endpoints.temporalAddress });
    const described = await new Client({ connection }).workflow.getHandle('smoke-persist').describe();
    await connection.close();
    expect(described.status.name).toBe('COMPLETED');

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(processesUsing(stateDir)).toBe('');
  });
});
