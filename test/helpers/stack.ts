import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { inject } from 'vitest';
import { defaultActivityDeps, type ActivityDeps } from '../../activities';
import type { SmsSender } from '../../channels/sms';
import { createSmtpSender } from '../../channels/smtp';
import { createTwilioSender } from '../../channels/twilio';
import { freePort } from '../../infra/net';
import { startTwilioSandbox, type SandboxRule, type TwilioSandbox, type TwilioSandboxOptions } from '../../sandbox/twilio-server';
import { buildServer, type ServerDeps } from '../../server';
import type { TwilioWebhookOptions } from '../../server/twilio-webhooks';
import { isolatedDatabase, runCli, startTestWorker, temporalClient, type CliResult, type TestDatabase, type TestWorker } from './harness';

/**
 * One integration stack, every part real: an isolated PostgreSQL database, a reachloop worker on
 * the Temporal dev server, the `twilio` library against the local Twilio-shaped server (sandbox/),
 * nodemailer against a real SMTP server, and the HTTP server with the Twilio webhooks (signed with
 * the sandbox's token). Activities decide at the test's pinned clock (`now`); the rest runs in real
 * time. Tests add what they need: sandbox rules, an SMTP recipient check, more HTTP services.
 */
export interface StackOptions {
  /** The worker's decision clock: a test must not depend on the hour the suite runs. */
  now: () => Date;
  /** The local Twilio-shaped server (default: one without rules); false: none (e-mail only). */
  sandbox?: false | { rules?: SandboxRule[]; callbackRetry?: TwilioSandboxOptions['callbackRetry']; /** Handset replies go to the server's inbound webhook. */ inbound?: boolean };
  /** The SMS sender's options beyond the sandbox's (findSentSince's clock skew, the call timeout). */
  sms?: { clockSkewMs?: number; timeoutMs?: number };
  /** A real SMTP server, whose messages are parsed into `mails`; onRcptTo can refuse a recipient. */
  smtp?: boolean | { onRcptTo: NonNullable<SMTPServerOptions['onRcptTo']> };
  /** Signs unsubscribe links and tracked links (default: a random one). */
  signingSecret?: string;
  /** The sandbox's auth token, which signs its webhooks (default: a random one). */
  authToken?: string;
  /** The HTTP server's services besides the Twilio webhooks, and options of those. */
  server?: Extras | ((s: StackParts) => Extras);
  /** Activity dependencies over the stack's (its SMS and e-mail senders, base URL, secret, clock). */
  activities?: Partial<ActivityDeps> | ((s: StackParts) => Partial<ActivityDeps>);
  /** BRAND_NAME of `cli` (and the webhooks' brand unless server.twilio.brand says otherwise). */
  brand?: string;
}

/** twilio: false serves no Twilio webhooks. */
type Extras = Omit<ServerDeps, 'pool' | 'twilio'> & { twilio?: Partial<TwilioWebhookOptions> | false };

/** What the stack has started before the worker and the HTTP server. */
export interface StackParts {
  db: TestDatabase;
  sandbox: TwilioSandbox | undefined;
  authToken: string;
  publicBaseUrl: string;
  signingSecret: string;
  logs: string[];
  /** Set once the worker runs (server options given as a function see it). */
  worker?: TestWorker;
}

export interface Stack extends StackParts {
  worker: TestWorker;
  app: FastifyInstance;
  client: Client;
  /** The sandbox's SMS sender (as the worker's), for tests that send or list around a campaign. */
  sms: SmsSender | undefined;
  /** Messages the SMTP server received, parsed. */
  mails: ParsedMail[];
  smtpPort: number | undefined;
  /** DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE (and BRAND_NAME) of this stack, for child processes. */
  env: Record<string, string>;
  /** `reachloop ARGS` in a child process against this stack. */
  cli(args: string[], timeoutMs?: number): Promise<CliResult>;
  stop(): Promise<void>;
}

export const SANDBOX_FROM = '+15005550006';

export async function startStack(o: StackOptions): Promise<Stack> {
  const db = await isolatedDatabase();
  const authToken = o.authToken ?? randomBytes(16).toString('hex');
  const port = await freePort();
  const publicBaseUrl = `http://127.0.0.1:${port}`;
  const logs: string[] = [];
  const parts: StackParts = { db, sandbox: undefined, authToken, publicBaseUrl, signingSecret: o.signingSecret ?? randomBytes(24).toString('base64url'), logs };
  const started: Array<() => Promise<void>> = [() => db.drop()];
  const stopAll = async () => {
    for (const stop of started.reverse()) await stop();
  };
  try {
    if (o.sandbox !== false) {
      const s = o.sandbox ?? {};
      parts.sandbox = await startTwilioSandbox({
        authToken,
        defaultFrom: SANDBOX_FROM,
        rules: s.rules ?? [],
        ...(s.inbound ? { inboundWebhookUrl: `${publicBaseUrl}/webhooks/twilio/inbound` } : {}),
        ...(s.callbackRetry ? { callbackRetry: s.callbackRetry } : {}),
      });
      const sandbox = parts.sandbox;
      started.push(() => sandbox.stop());
    }
    const mails: ParsedMail[] = [];
    const smtp = o.smtp ? await startSmtp(mails, o.smtp === true ? undefined : o.smtp.onRcptTo) : undefined;
    if (smtp) started.push(() => new Promise<void>((resolve) => smtp.server.close(() => resolve())));
    const sms = parts.sandbox
      ? createTwilioSender({ accountSid: parts.sandbox.accountSid, authToken, from: SANDBOX_FROM, apiBase: parts.sandbox.url, timeoutMs: o.sms?.timeoutMs ?? 5_000, ...(o.sms?.clockSkewMs !== undefined ? { clockSkewMs: o.sms.clockSkewMs } : {}) })
      : undefined;
    const overrides = typeof o.activities === 'function' ? o.activities(parts) : (o.activities ?? {});
    const worker = await startTestWorker(
      defaultActivityDeps(db.pool, {
        ...(sms ? { sms } : {}),
        ...(smtp ? { email: createSmtpSender({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'news@acme.example' }) } : {}),
        publicBaseUrl,
        signingSecret: parts.signingSecret,
        now: o.now,
        ...overrides,
      }),
    );
    started.push(() => worker.stop());
    parts.worker = worker;
    const { twilio, ...extras } = typeof o.server === 'function' ? o.server(parts) : (o.server ?? {});
    const app = buildServer({
      pool: db.pool,
      ...(twilio === false ? {} : { twilio: { publicBaseUrl, authToken: () => authToken, log: (l: string) => logs.push(l), ...(o.brand ? { brand: o.brand } : {}), ...twilio } }),
      ...extras,
    });
    started.push(() => app.close());
    await app.listen({ host: '127.0.0.1', port });
    const client = await temporalClient();
    started.push(() => client.connection.close());
    const env: Record<string, string> = { DATABASE_URL: db.url, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: worker.taskQueue, ...(o.brand ? { BRAND_NAME: o.brand } : {}) };
    return { ...parts, worker, app, client, sms, mails, smtpPort: smtp?.port, env, cli: (args, timeoutMs) => runCli(args, env, timeoutMs), stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function startSmtp(mails: ParsedMail[], onRcptTo?: SMTPServerOptions['onRcptTo']): Promise<{ server: SMTPServer; port: number }> {
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    ...(onRcptTo ? { onRcptTo } : {}),
    onData(stream, _session, cb) {
      simpleParser(stream).then((m) => (mails.push(m), cb()), (err: Error) => cb(err));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.server.address() as AddressInfo).port };
}
