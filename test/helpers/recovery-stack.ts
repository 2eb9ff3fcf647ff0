import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { inject } from 'vitest';
import { defaultActivityDeps } from '../../activities';
import { createTwilioSender } from '../../channels/twilio';
import { createTwilioLookup } from '../../channels/twilio-lookup';
import { recoveryLink } from '../../services/recovery-lifecycle';
import { DEFAULT_API_RATE } from '../../core/api-tokens';
import { createApiToken } from '../../db/api-tokens';
import { publicIdOf } from '../../db/public-ids';
import { freePort } from '../../infra/net';
import { startTwilioSandbox, type SandboxRule, type TwilioSandbox } from '../../sandbox/twilio-server';
import { buildServer } from '../../server';
import { isolatedDatabase, runCli, startTestWorker, temporalClient, type CliResult, type TestDatabase, type TestWorker } from './harness';

/**
 * Everything the changed-number funnel runs through, real: PostgreSQL, the Temporal dev server and
 * a reachloop worker, the twilio library against the local Twilio-shaped server (whose scripted
 * handsets answer, and whose Lookup reports the same scripted lines), and the HTTP server that verifies their signed replies and signals the case.
 * Activities decide at a pinned instant (`now`); the rest runs in real time.
 */
export interface RecoveryStack {
  db: TestDatabase;
  sandbox: TwilioSandbox;
  app: FastifyInstance;
  worker: TestWorker;
  client: Client;
  publicBaseUrl: string;
  /** The legacy REACHLOOP_API_TOKEN (events, messages). */
  apiToken: string;
  /** A token of `reachloop token create --scope contacts:write` (number changes). */
  contactsToken: string;
  logs: string[];
  /** `reachloop ARGS` in a child process against this stack's database, Temporal and task queue. */
  cli(args: string[], timeoutMs?: number): Promise<CliResult>;
  stop(): Promise<void>;
}

export const SANDBOX_FROM = '+15005550006';

export async function startRecoveryStack(o: { now: Date; rules?: SandboxRule[]; brand?: string; currentAnswerWithinMs?: number }): Promise<RecoveryStack> {
  const db = await isolatedDatabase();
  const authToken = randomBytes(16).toString('hex');
  const apiToken = randomBytes(16).toString('hex');
  const port = await freePort();
  const publicBaseUrl = `http://127.0.0.1:${port}`;
  const logs: string[] = [];
  const sandbox = await startTwilioSandbox({ authToken, defaultFrom: SANDBOX_FROM, inboundWebhookUrl: `${publicBaseUrl}/webhooks/twilio/inbound`, rules: o.rules ?? [] });
  const worker = await startTestWorker(
    defaultActivityDeps(db.pool, {
      sms: createTwilioSender({ accountSid: sandbox.accountSid, authToken, from: SANDBOX_FROM, apiBase: sandbox.url, timeoutMs: 10_000 }),
      // As the embedded default (LOOKUP_PROVIDER=sandbox): Lookup v2 of the same server, its rules the carrier.
      lookup: createTwilioLookup({ name: 'sandbox', accountSid: sandbox.accountSid, authToken, apiBase: sandbox.url, lineStatus: true }),
      publicBaseUrl,
      now: () => o.now,
    }),
  );
  const brand = o.brand ?? 'Acme';
  const app = buildServer({
    pool: db.pool,
    events: { apiToken },
    twilio: { publicBaseUrl, authToken: () => authToken, brand, log: (l) => logs.push(l) },
    recovery: recoveryLink(temporalClient, db.pool, { taskQueue: worker.taskQueue, brand, ...(o.currentAnswerWithinMs ? { currentAnswerWithinMs: o.currentAnswerWithinMs } : {}) }),
  });
  const contactsToken = (await createApiToken(db.pool, { name: 'support-desk', scopes: ['contacts:write'], rate: DEFAULT_API_RATE })).secret;
  await app.listen({ host: '127.0.0.1', port });
  const client = await temporalClient();
  const env = { DATABASE_URL: db.url, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: worker.taskQueue, BRAND_NAME: brand };
  return {
    db,
    sandbox,
    app,
    worker,
    client,
    publicBaseUrl,
    apiToken,
    contactsToken,
    logs,
    cli: (args, timeoutMs) => runCli(args, env, timeoutMs),
    async stop() {
      await app.close();
      await worker.stop();
      await client.connection.close();
      await sandbox.stop();
      await db.drop();
    },
  };
}

/**
 * Polls until fn returns a value that is not undefined, or fails after timeoutMs; `diagnose`
 * adds what the test knows about the stuck state to the failure.
 */
export async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs: number, what: string, diagnose?: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) {
      const detail = diagnose ? `\n${await diagnose().catch((err: Error) => `(diagnosis failed: ${err.message})`)}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The contact's reference in the API (contacts.public_id). */
export async function publicIdOfContact(stack: RecoveryStack, contactId: number): Promise<string> {
  return (await publicIdOf(stack.db.pool, contactId))!;
}

/** The contact's latest recovery case row, as stored. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function latestCaseOf(stack: RecoveryStack, contactId: number): Promise<any> {
  return (await stack.db.pool.query('SELECT * FROM recovery_cases WHERE contact_id = $1 ORDER BY id DESC LIMIT 1', [contactId])).rows[0];
}

/** The contact's latest case once it is closed (confirmed, refused, expired, cancelled). */
export function closedCaseOfContact(stack: RecoveryStack, contactId: number) {
  return eventually(async () => {
    const k = await latestCaseOf(stack, contactId);
    return k && !['detected', 'matched', 'confirmation_sent'].includes(k.state) ? k : undefined;
  }, 60_000, `the case of contact ${contactId} to close`);
}
