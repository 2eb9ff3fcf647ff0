/**
 * The stack of the fault suite, each part a process of its own as a new user runs it: an embedded
 * PostgreSQL on its own data folder and port, the Temporal dev server on its own database file,
 * the local Twilio-shaped server (bench/faults/sandbox-process.ts), `reachloop worker` and
 * `reachloop serve` configured by environment (SMS_PROVIDER=twilio pointed at the sandbox, as
 * production points at Twilio). Every part can be stopped and started again on the same port and
 * data, which is what the faults do; a part that exits when nobody stopped it is recorded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { startEmbeddedPostgres, type RunningPostgres } from '../../infra/embedded-postgres';
import { freePort } from '../../infra/net';
import { projectRoot } from '../../infra/paths';
import { startTemporalDevServer, type RunningDevServer } from '../../infra/temporal-dev-server';
import { ensureTemporalCli } from '../../infra/tools';
import { sandboxAdminClient, type SandboxAdminClient } from '../../sandbox/twilio-admin-client';

export interface UnexpectedExit {
  part: string;
  at: string;
  code: number | null;
  signal: string | null;
  /** The end of what the process wrote to stderr. */
  stderrTail: string;
}

/** A process of the stack that the suite can stop (with a signal) and start again. */
export interface Part {
  readonly name: string;
  running(): boolean;
  start(): Promise<void>;
  /** Sends the signal (default SIGTERM) and waits until the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const BIN = path.join(projectRoot, 'bin', 'reachloop.mjs');
const FROM = '+15005550006';
const TAIL = 4_000;

/** A Node process started with `argv`, ready once its output contains `ready`. */
function nodePart(name: string, argv: string[], env: NodeJS.ProcessEnv, ready: string, logsDir: string, exits: UnexpectedExit[], onStdout?: (text: string) => void): Part {
  let child: ChildProcess | undefined;
  let stopping = false;
  let tail = '';
  const log = createWriteStream(path.join(logsDir, `${name}.log`), { flags: 'a' });
  const gone = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;
  return {
    name,
    running: () => child !== undefined && !gone(child),
    async start() {
      if (child && !gone(child)) return;
      stopping = false;
      const c = spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: projectRoot });
      child = c;
      log.write(`--- ${new Date().toISOString()} start ${name} (pid ${c.pid})\n`);
      await new Promise<void>((resolve, reject) => {
        let seen = '';
        const look = (chunk: Buffer) => {
          seen = (seen + chunk.toString()).slice(-TAIL);
          if (seen.includes(ready)) resolve();
        };
        c.stdout!.on('data', (chunk: Buffer) => {
          log.write(chunk);
          onStdout?.(chunk.toString());
          look(chunk);
        });
        c.stderr!.on('data', (chunk: Buffer) => {
          log.write(chunk);
          tail = (tail + chunk.toString()).slice(-TAIL);
          look(chunk);
        });
        c.once('exit', (code, signal) => {
          log.write(`--- ${new Date().toISOString()} ${name} exited (code ${code}, signal ${signal})\n`);
          if (!stopping) exits.push({ part: name, at: new Date().toISOString(), code, signal, stderrTail: tail.trim().split('\n').slice(-8).join('\n') });
          reject(new Error(`${name} exited (code ${code}, signal ${signal}) before it was ready:\n${tail}`));
        });
      });
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const c = child;
      if (!c || gone(c)) return;
      stopping = true;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill(signal);
      const force = setTimeout(() => c.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(force);
    },
  };
}

/** A server started in this process's name (PostgreSQL, Temporal) and stopped by its own stop(). */
function serverPart<T extends { stop(): Promise<void> }>(name: string, start: () => Promise<T>): Part & { current(): T | undefined } {
  let server: T | undefined;
  return {
    name,
    current: () => server,
    running: () => server !== undefined,
    async start() {
      server ??= await start();
    },
    async stop() {
      const s = server;
      server = undefined;
      await s?.stop();
    },
  };
}

export interface FaultStack {
  postgres: Part;
  temporal: Part;
  sandbox: Part;
  worker: Part;
  serve: Part;
  databaseUrl: string;
  temporalAddress: string;
  /** The sandbox's admin API: every message it accepted, its scripted outcomes. */
  admin: SandboxAdminClient;
  /** Exits of worker, serve or sandbox that no fault asked for, oldest first. */
  unexpectedExits: UnexpectedExit[];
  /** `reachloop ARGS --json` against this stack: the parsed output; throws on a non-zero exit. */
  cli(args: string[]): Promise<unknown>;
  stop(): Promise<void>;
}

/** Starts every part in `dir` (data folders, database file, logs) on free ports. */
export async function startFaultStack(dir: string, opts: { temporalCliPath?: string; env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {}): Promise<FaultStack> {
  const log = opts.log ?? (() => {});
  const logsDir = path.join(dir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const [pgPort, temporalPort, sandboxPort, httpPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const cli = await ensureTemporalCli({ cliPath: opts.temporalCliPath ?? process.env.TEMPORAL_CLI_PATH });
  if (cli.executable.type !== 'existing-path') throw new Error('the fault suite needs the Temporal CLI on disk: run `npx reachloop setup`');
  const cliPath = cli.executable.path;
  const exits: UnexpectedExit[] = [];
  const parts: Part[] = [];
  const stopAll = async () => {
    for (const p of [...parts].reverse()) await p.stop().catch(() => {});
  };
  try {
    const postgres = serverPart('postgres', async (): Promise<RunningPostgres> => {
      const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), preferredPort: pgPort });
      if (pg.port !== pgPort) {
        await pg.stop();
        throw new Error(`PostgreSQL could not have its port ${pgPort} back`);
      }
      return pg;
    });
    parts.push(postgres);
    const temporal = serverPart('temporal', (): Promise<RunningDevServer> =>
      startTemporalDevServer({ cliPath, port: temporalPort, namespace: 'default', dbFilename: path.join(dir, 'temporal.db') }),
    );
    parts.push(temporal);
    await Promise.all([postgres.start(), temporal.start()]);
    const databaseUrl = (postgres.current() as RunningPostgres).url;
    const temporalAddress = `127.0.0.1:${temporalPort}`;
    log(`PostgreSQL ${databaseUrl.replace(/:[^:@/]+@/, ':***@')}, Temporal ${temporalAddress}`);

    const accountSid = `AC${randomBytes(16).toString('hex')}`;
    const authToken = randomBytes(16).toString('hex');
    const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
    const sandbox = nodePart('sandbox', ['--import', 'tsx', path.join(projectRoot, 'bench', 'faults', 'sandbox-process.ts'), String(sandboxPort)], { ...process.env, TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken, TWILIO_FROM: FROM }, '"accountSid"', logsDir, exits);
    parts.push(sandbox);
    await sandbox.start();

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      REACHLOOP_STATE_DIR: path.join(dir, 'state'),
      TEMPORAL_ADDRESS: temporalAddress,
      DATABASE_URL: databaseUrl,
      SMS_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: accountSid,
      TWILIO_AUTH_TOKEN: authToken,
      TWILIO_FROM: FROM,
      TWILIO_API_BASE: sandboxUrl,
      LOOKUP_PROVIDER: 'none',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(httpPort),
      PUBLIC_BASE_URL: `http://127.0.0.1:${httpPort}`,
      REACHLOOP_SIGNING_SECRET: randomBytes(24).toString('hex'),
      LOG_LEVEL: 'warn',
      ...opts.env,
    };
    const runCli = (args: string[]) => runReachloop(args, env);
    await runCli(['migrate']);
    const worker = nodePart('worker', [BIN, 'worker'], env, 'worker running', logsDir, exits);
    const serve = nodePart('serve', [BIN, 'serve'], env, 'HTTP server listening', logsDir, exits);
    parts.push(worker, serve);
    await Promise.all([worker.start(), serve.start()]);
    log(`sandbox ${sandboxUrl}, worker and serve (http://127.0.0.1:${httpPort}) running; logs in ${logsDir}`);
    return {
      postgres,
      temporal,
      sandbox,
      worker,
      serve,
      databaseUrl,
      temporalAddress,
      admin: sandboxAdminClient({ url: sandboxUrl, accountSid, authToken }),
      unexpectedExits: exits,
      cli: async (args) => JSON.parse(await runCli([...args, '--json'])),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Runs the reachloop CLI; its stdout, or an error with its stderr. */
function runReachloop(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: projectRoot });
    let out = '';
    let err = '';
    child.stdout!.on('data', (c) => (out += c));
    child.stderr!.on('data', (c) => (err += c));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`reachloop ${args.join(' ')} exited ${code}: ${err.trim()}`))));
  });
}
