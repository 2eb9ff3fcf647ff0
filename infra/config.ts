import path from 'node:path';
import { projectRoot } from './paths';
import type { DataKey } from './data-codec';
import { parseEnv, type ParsedEnv } from './config-schema';

// The configuration reachloop runs with, read from the environment (infra/config-vars.ts lists
// every variable, infra/config-schema.ts validates them, infra/config-display.ts prints them).

export interface Config {
  stateDir: string;
  temporal: {
    /** undefined = the embedded dev server (started by `reachloop dev` / tests). */
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    cliPath: string | undefined;
    testServerPath: string | undefined;
    uiPort: number;
  };
  /** undefined = embedded PostgreSQL under stateDir. */
  databaseUrl: string | undefined;
  sms:
    | { provider: 'sandbox' }
    | { provider: 'twilio'; accountSid: string; authToken: string; messagingServiceSid?: string; from?: string; apiBase?: string };
  email: { provider: 'sandbox'; from: string } | { provider: 'smtp'; url: string; from: string };
  /** Where number validity and line type come from (channels/number-lookup.ts). */
  lookup:
    | { provider: 'sandbox' }
    | { provider: 'none' }
    | { provider: 'twilio'; accountSid: string; authToken: string; apiBase?: string; lineStatus: boolean; cacheTtlMs: number; ratePerSecond: number };
  http: { host: string; port: number; publicBaseUrl: string };
  /** Who answers STOP / START / HELP: Twilio's Messaging Service (default replies, Advanced Opt-Out) or reachloop. */
  keywordReplies: 'twilio' | 'reachloop';
  /** undefined = generated and kept under stateDir (embedded default). */
  signingSecret: string | undefined;
  /** Keys of personal data at rest (infra/data-keys.ts), the lookup key chain oldest first; undefined = generated and kept under stateDir. */
  dataKeys: { keys: DataKey[]; activeId: string; lookupKeys: Buffer[] } | undefined;
  /** The events API: its bearer token (undefined = closed) and mapping rules file. */
  events: { apiToken: string | undefined; rulesFile: string | undefined };
  /** Bearer token of the e-mail complaint webhooks (undefined = closed). */
  complaintToken: string | undefined;
  brand: string;
  /** Changed-number recovery: how long the candidate has to answer; the welcome-back campaign. */
  recovery: { replyWithinMs: number; followUpCampaignId: number | null };
  /** The lease of a send attempt (activities/send-attempt.ts). */
  sendLeaseMs: number;
  /** `reachloop ledger sweep`: SMS left in 'sent' longer than this are reconciled from the provider. */
  sentSweepAfterMs: number;
  /** Messages sent longer ago than this are no longer asked about by the sweep (SENT_SWEEP_GIVE_UP). */
  sentSweepGiveUpMs: number;
  logLevel: ParsedEnv['LOG_LEVEL'];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment. Throws ConfigError with one line per problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const { data: e, problems } = parseEnv(env);
  if (!e) throw new ConfigError(problems);
  return {
    stateDir: path.resolve(e.REACHLOOP_STATE_DIR ?? path.join(projectRoot, '.reachloop')),
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      cliPath: e.TEMPORAL_CLI_PATH,
      testServerPath: e.TEMPORAL_TEST_SERVER_PATH,
      uiPort: e.TEMPORAL_UI_PORT,
    },
    databaseUrl: e.DATABASE_URL,
    sms:
      e.SMS_PROVIDER === 'twilio'
        ? {
            provider: 'twilio',
            accountSid: e.TWILIO_ACCOUNT_SID!,
            authToken: e.TWILIO_AUTH_TOKEN!,
            ...(e.TWILIO_MESSAGING_SERVICE_SID ? { messagingServiceSid: e.TWILIO_MESSAGING_SERVICE_SID } : {}),
            ...(e.TWILIO_FROM ? { from: e.TWILIO_FROM } : {}),
            ...(e.TWILIO_API_BASE ? { apiBase: e.TWILIO_API_BASE } : {}),
          }
        : { provider: 'sandbox' },
    email: e.EMAIL_PROVIDER === 'smtp' ? { provider: 'smtp', url: e.SMTP_URL!, from: e.EMAIL_FROM } : { provider: 'sandbox', from: e.EMAIL_FROM },
    lookup: lookupConfig(e),
    http: {
      host: e.HTTP_HOST,
      port: e.HTTP_PORT,
      publicBaseUrl: e.PUBLIC_BASE_URL ?? `http://${e.HTTP_HOST}:${e.HTTP_PORT}`,
    },
    keywordReplies: e.TWILIO_KEYWORD_REPLIES ?? (e.SMS_PROVIDER === 'twilio' ? 'twilio' : 'reachloop'),
    signingSecret: e.REACHLOOP_SIGNING_SECRET,
    dataKeys: e.REACHLOOP_DATA_KEYS && e.REACHLOOP_LOOKUP_KEY
      ? { keys: e.REACHLOOP_DATA_KEYS, activeId: e.REACHLOOP_DATA_KEY_ID ?? e.REACHLOOP_DATA_KEYS[0]!.id, lookupKeys: e.REACHLOOP_LOOKUP_KEY }
      : undefined,
    events: { apiToken: e.REACHLOOP_API_TOKEN, rulesFile: e.EVENT_RULES_FILE },
    complaintToken: e.COMPLAINT_WEBHOOK_TOKEN,
    brand: e.BRAND_NAME,
    recovery: { replyWithinMs: e.RECOVERY_REPLY_WITHIN, followUpCampaignId: e.RECOVERY_FOLLOW_UP_CAMPAIGN ?? null },
    sendLeaseMs: e.SEND_LEASE,
    sentSweepAfterMs: e.SENT_SWEEP_AFTER,
    sentSweepGiveUpMs: e.SENT_SWEEP_GIVE_UP,
    logLevel: e.LOG_LEVEL,
  };
}

function lookupConfig(e: ParsedEnv): Config['lookup'] {
  const provider = e.LOOKUP_PROVIDER ?? (e.SMS_PROVIDER === 'twilio' ? 'twilio' : 'sandbox');
  if (provider !== 'twilio') return { provider };
  return {
    provider,
    accountSid: e.TWILIO_ACCOUNT_SID!,
    authToken: e.TWILIO_AUTH_TOKEN!,
    ...(e.TWILIO_API_BASE ? { apiBase: e.TWILIO_API_BASE } : {}),
    lineStatus: e.LOOKUP_LINE_STATUS === 'on',
    cacheTtlMs: e.LOOKUP_CACHE_TTL,
    ratePerSecond: e.LOOKUP_RATE_PER_SECOND,
  };
}
