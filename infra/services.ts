import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config';
import { connectClient, connectWorkerConnection } from './temporal';
import { recoveryLink, recoveryOptionsOf } from '../services/recovery-lifecycle';
import { messagesLink } from '../services/transactional-message';
import { connectPool, type Pool } from '../db/pool';
import { migrate, pendingMigrations } from '../db/migrate';
import { createWorker, defaultActivityDeps, type ReachloopWorker } from '../worker';
import { startChannels, signingSecretOf, webhookAuthToken, type Channels } from './channels';
import { createLogger } from './log';
import { dataCodec, dataCodecOf, installDataKeys } from './data-keys';
import { verifyDataKeys } from '../db/personal-data';
import { createNumberLookup } from './lookup';
import { startHeartbeat, type RunningHeartbeat } from './heartbeat';
import { buildServer } from '../server';

/** Said at start while REACHLOOP_API_TOKEN is set (server/api.ts, README "The JSON API"). */
export const LEGACY_TOKEN_WARNING =
  'REACHLOOP_API_TOKEN is deprecated: it is accepted for events:write and messages:send only (not number changes); create scoped tokens with `reachloop token create --scope ...` and unset it';

export interface ServiceOptions {
  config: Config;
  temporalAddress: string;
  databaseUrl: string;
  worker: boolean;
  http: boolean;
  /** Apply pending migrations first (embedded default); otherwise refuse to start if any are pending. */
  migrate: boolean;
  /** Between two heartbeats (infra/heartbeat.ts); tests shorten it. */
  heartbeatMs?: number;
}

export interface RunningServices {
  httpUrl?: string;
  /**
   * Settles when the process must end: the worker stopped (after stop(), or on a fatal worker
   * error), or the lookup key chain was rotated under it (rejects with the reason). An HTTP-only
   * process has no other end.
   */
  done: Promise<void>;
  stop(): Promise<void>;
}

/** Starts the worker and/or the HTTP server of this process against the given servers. */
export async function startServices(opts: ServiceOptions): Promise<RunningServices> {
  installTemporalRuntime(opts.config.logLevel);
  installDataKeys(dataCodecOf(opts.config));
  const pool = await connectPool(opts.databaseUrl, 20);
  let worker: ReachloopWorker | undefined;
  let app: FastifyInstance | undefined;
  let channels: Channels | undefined;
  let heartbeat: RunningHeartbeat | undefined;
  let mustStop!: (err: Error) => void;
  const stopped = new Promise<never>((_, reject) => {
    mustStop = reject;
  });
  stopped.catch(() => {}); // observed through `done`
  const stop = async () => {
    await heartbeat?.stop();
    if (app) await app.close().catch(() => {});
    worker?.shutdown();
    await workerRun.catch(() => {});
    await channels?.stop();
    await pool.end().catch(() => {});
  };
  let workerRun: Promise<void> = Promise.resolve();
  try {
    await prepareSchema(pool, opts.migrate);
    if (opts.worker) {
      const connection = await connectWorkerConnection(opts.temporalAddress, opts.config.temporal.namespace);
      const { publicBaseUrl } = opts.config.http;
      channels = await startChannels(opts.config, `${publicBaseUrl}/webhooks/twilio/inbound`);
      const logger = createLogger(opts.config.logLevel, 'worker');
      const deps = defaultActivityDeps(pool, {
        lookup: createNumberLookup(opts.config, channels, pool),
        sms: channels.sms,
        email: channels.email,
        publicBaseUrl,
        signingSecret: signingSecretOf(opts.config),
        sendLeaseMs: opts.config.sendLeaseMs,
        log: (line) => logger.debug(line), // one line per send: LOG_LEVEL=debug
      });
      worker = await createWorker({ connection, namespace: opts.config.temporal.namespace, taskQueue: opts.config.temporal.taskQueue, deps });
      workerRun = worker.run().finally(() => connection.close());
    }
    let httpUrl: string | undefined;
    if (opts.http) {
      const httpLogger = createLogger(opts.config.logLevel, 'http');
      const httpLog = (line: string) => httpLogger.info(line);
      if (opts.config.events.apiToken) httpLogger.warn(LEGACY_TOKEN_WARNING);
      app = buildServer({
        pool,
        log: (line) => httpLogger.error(line),
        events: opts.config.events,
        twilio: { publicBaseUrl: opts.config.http.publicBaseUrl, authToken: webhookAuthToken(opts.config, channels), brand: opts.config.brand, keywordReplies: opts.config.keywordReplies, log: httpLog },
        unsubscribe: { secret: signingSecretOf(opts.config), log: httpLog },
        complaints: { token: opts.config.complaintToken, log: httpLog },
        recovery: recoveryLink(() => connectClient(opts.temporalAddress, opts.config.temporal.namespace), pool, recoveryOptionsOf(opts.config)),
        messages: messagesLink(() => connectClient(opts.temporalAddress, opts.config.temporal.namespace), { taskQueue: opts.config.temporal.taskQueue }),
      });
      await app.listen({ host: opts.config.http.host, port: opts.config.http.port });
      httpUrl = `http://${opts.config.http.host}:${opts.config.http.port}`;
    }
    const heartbeatLog = createLogger(opts.config.logLevel, opts.worker ? 'worker' : 'http');
    heartbeat = await startHeartbeat({
      pool,
      roles: [opts.worker && 'worker', opts.http && 'http'].filter(Boolean).join('+'),
      lookupFingerprint: dataCodec().fingerprint('lookup'),
      dataKeys: Object.fromEntries(dataCodec().keyIds.map((id) => [id, dataCodec().fingerprint(id)])),
      onStaleChain: (message) => {
        heartbeatLog.error(message);
        mustStop(new Error(message));
      },
      onError: (err) => heartbeatLog.warn(`heartbeat failed (tried again in a moment): ${err.message}`),
      ...(opts.heartbeatMs ? { intervalMs: opts.heartbeatMs } : {}),
    });
    const done = Promise.race([opts.worker ? workerRun : new Promise<void>(() => {}), stopped]);
    return { ...(httpUrl ? { httpUrl } : {}), done, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function prepareSchema(pool: Pool, apply: boolean): Promise<void> {
  if (apply) {
    await migrate(pool);
    return;
  }
  const pending = await pendingMigrations(pool);
  if (pending.length) throw new Error(`the database has ${pending.length} pending migration(s) (${pending.join(', ')}): run \`reachloop migrate\` first`);
  await verifyDataKeys(pool, dataCodec());
}

let runtimeInstalled = false;

/** The SDK logs at WARN unless LOG_LEVEL asks for more; once per process. */
function installTemporalRuntime(level: string): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const sdkLevel: LogLevel = level === 'debug' || level === 'trace' ? 'DEBUG' : level === 'info' ? 'WARN' : 'ERROR';
  try {
    Runtime.install({ logger: new DefaultLogger(sdkLevel) });
  } catch (err) {
    // Installed already by whoever embeds these services (a test run): keep theirs.
    if ((err as Error).name !== 'IllegalStateError') throw err;
  }
}
