import path from 'node:path';
import { z } from 'zod';
import { parseDurationMs } from '../core/duration';
import { projectRoot } from './paths';
import { base64Key, KEY_ID_PATTERN, parseDataKeys, type DataKey } from './data-codec';

/**
 * Every setting reachloop reads from the environment, with its default. This is the one
 * definition: the CLI, the worker, the server, docker-compose.yml (checked by a test) and the
 * README's configuration table all follow it.
 */
export const ENV_VARS = {
  REACHLOOP_STATE_DIR: 'Folder for local state: embedded Postgres data, Temporal dev database, secrets of the embedded default',
  TEMPORAL_ADDRESS: 'host:port of the Temporal frontend; unset = start/use the local dev server',
  TEMPORAL_NAMESPACE: 'Temporal namespace',
  TEMPORAL_TASK_QUEUE: 'Task queue for workflows and general activities',
  TEMPORAL_CLI_PATH: 'Path to an existing `temporal` CLI binary (skips the setup routes)',
  TEMPORAL_TEST_SERVER_PATH: 'Path to an existing time-skipping test server binary (tests only)',
  TEMPORAL_UI_PORT: 'Port of the Temporal Web UI started by `reachloop dev`',
  DATABASE_URL: 'PostgreSQL connection string; unset = embedded PostgreSQL under the state folder',
  SMS_PROVIDER: '`sandbox` (records messages locally) or `twilio`',
  TWILIO_ACCOUNT_SID: 'Twilio account SID (AC...)',
  TWILIO_AUTH_TOKEN: 'Twilio auth token; also verifies webhook signatures',
  TWILIO_MESSAGING_SERVICE_SID: 'Messaging Service SID (MG...); or set TWILIO_FROM',
  TWILIO_FROM: 'Sender number in E.164 when no Messaging Service is used',
  TWILIO_API_BASE: 'Override of the Twilio API base URL (the local Twilio-shaped server)',
  TWILIO_KEYWORD_REPLIES: '`twilio`: the Messaging Service answers its own keywords (STOP, START, HELP...), reachloop records them without a second reply; `reachloop`: reachloop answers. Default twilio with SMS_PROVIDER=twilio, reachloop with the sandbox',
  LOOKUP_PROVIDER: 'Number validity and line type: `twilio` (Twilio Lookup v2 Line Type Intelligence, cached and rate-limited), `none` (numbering plan and delivery outcomes only) or `sandbox` (the local Twilio-shaped server\'s scripted carrier; refused with SMS_PROVIDER=twilio). Default: twilio with SMS_PROVIDER=twilio, sandbox with the sandbox',
  LOOKUP_LINE_STATUS: '`on`: also ask Twilio Lookup\'s Line Status package (active / inactive / unreachable; needs the package on the account); `off` (default): line type only',
  LOOKUP_CACHE_TTL: 'How long a Twilio Lookup answer is reused per number, e.g. 30d (default)',
  LOOKUP_RATE_PER_SECOND: 'Twilio Lookup requests per second per worker process at most (default 10)',
  EMAIL_PROVIDER: '`sandbox` (records e-mails locally) or `smtp`',
  SMTP_URL: 'smtp:// or smtps:// URL of the SMTP relay, credentials included',
  EMAIL_FROM: 'From address of outgoing e-mail',
  HTTP_HOST: 'Interface the HTTP server (webhooks, unsubscribe, events API) listens on',
  HTTP_PORT: 'Port of the HTTP server',
  PUBLIC_BASE_URL: 'Public https URL of the HTTP server, used in status callbacks and unsubscribe links',
  REACHLOOP_SIGNING_SECRET: 'Secret (16+ characters) that signs unsubscribe links; generated under the state folder when unset',
  REACHLOOP_DATA_KEYS: 'Keys that encrypt personal data at rest (AES-256-GCM): one or more `id:base64` of 32 bytes each, comma-separated (e.g. `k2:...,k1:...`); keep an old key until `reachloop keys rotate` has moved every value off it. Generated under the state folder when unset (with REACHLOOP_LOOKUP_KEY)',
  REACHLOOP_DATA_KEY_ID: 'Id of the data key new values are encrypted under (default: the first of REACHLOOP_DATA_KEYS)',
  REACHLOOP_LOOKUP_KEY: 'base64 of 32 bytes: the HMAC key of the lookup hashes of numbers, e-mails and addresses (separate from the data keys; never rotated without a re-import). Generated under the state folder when unset (with REACHLOOP_DATA_KEYS)',
  REACHLOOP_API_TOKEN: 'Deprecated: a legacy bearer token (16+ characters) of the JSON API with the scopes events:write and messages:send only, at 50 requests/s (a warning at start); use `reachloop token create` instead. Unset = only tokens of `reachloop token create` are accepted',
  COMPLAINT_WEBHOOK_TOKEN: 'Bearer token (16+ characters) the e-mail complaint webhooks (POST /webhooks/email/arf, /webhooks/email/complaint) require; unset = they answer 401 to every request',
  BRAND_NAME: 'Brand named in SMS auto-replies (HELP, STOP) and in the changed-number confirmation SMS',
  RECOVERY_REPLY_WITHIN: 'How long a changed-number candidate has to answer the confirmation SMS, e.g. 72h (the one reminder goes at two thirds)',
  RECOVERY_FOLLOW_UP_CAMPAIGN: 'Id of a marketing campaign created as a template (`campaign create`, not launched): after a merge a one-person copy of it offers the welcome-back; unset = none',
  SEND_LEASE: 'How long a send attempt\'s lease on its recipients lasts (renewed while it works), e.g. 45s (default): a retried batch waits this long at most for an attempt that may still be calling the provider (a worker killed, Temporal restarted); longer than any provider call\'s timeout (Twilio 15s, SMTP 30s) plus a tenth',
  SENT_SWEEP_AFTER: 'How long an SMS may stay in `sent` (no final status callback) before `reachloop ledger sweep` asks the provider for its status, e.g. 1h (default; 1m to 30d)',
  EVENT_RULES_FILE: 'JSON mapping rules of source event names to standard tags for the events API (see `reachloop events import --help`)',
  LOG_LEVEL: 'fatal | error | warn | info | debug | trace',
} as const;

export type EnvName = keyof typeof ENV_VARS;

/** Names whose values are secrets: masked wherever configuration is printed. */
const SECRET_ENV: ReadonlySet<EnvName> = new Set(['TWILIO_AUTH_TOKEN', 'REACHLOOP_SIGNING_SECRET', 'REACHLOOP_DATA_KEYS', 'REACHLOOP_LOOKUP_KEY', 'REACHLOOP_API_TOKEN', 'COMPLAINT_WEBHOOK_TOKEN']);

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const port = (fallback: number) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce.number({ error: 'must be a port number' }).int('must be a whole number').min(1, 'must be 1-65535').max(65535, 'must be 1-65535').default(fallback),
  );
const urlWithScheme = (schemes: string[]) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((s) => {
        try {
          return schemes.includes(new URL(s).protocol.replace(/:$/, ''));
        } catch {
          return false;
        }
      }, `must be a URL starting with ${schemes.map((s) => `${s}://`).join(' or ')}`)
      .optional(),
  );

/** A duration variable ("72h", "45s"; core/duration.ts) with its default, read as milliseconds within the bounds. */
const durationVar = (fallback: string, message: string, bounds: { min?: number; max?: number } = {}) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default(fallback)
      .transform((s, ctx) => {
        const ms = parseDurationMs(s);
        if (ms === null || ms < (bounds.min ?? 0) || ms > (bounds.max ?? Infinity)) ctx.addIssue({ code: 'custom', message });
        return ms ?? 0;
      }),
  );

const schema = z
  .object({
    REACHLOOP_STATE_DIR: optionalString,
    TEMPORAL_ADDRESS: z.preprocess(
      emptyToUndefined,
      z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, e.g. localhost:7233').optional(),
    ),
    TEMPORAL_NAMESPACE: z.preprocess(emptyToUndefined, z.string().default('default')),
    TEMPORAL_TASK_QUEUE: z.preprocess(emptyToUndefined, z.string().default('reachloop')),
    TEMPORAL_CLI_PATH: optionalString,
    TEMPORAL_TEST_SERVER_PATH: optionalString,
    TEMPORAL_UI_PORT: port(8233),
    DATABASE_URL: urlWithScheme(['postgres', 'postgresql']),
    SMS_PROVIDER: z.preprocess(emptyToUndefined, z.enum(['sandbox', 'twilio'], { error: 'must be sandbox or twilio' }).default('sandbox')),
    TWILIO_ACCOUNT_SID: z.preprocess(emptyToUndefined, z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC followed by 32 hex digits').optional()),
    TWILIO_AUTH_TOKEN: optionalString,
    TWILIO_MESSAGING_SERVICE_SID: z.preprocess(emptyToUndefined, z.string().regex(/^MG[0-9a-fA-F]{32}$/, 'must look like MG followed by 32 hex digits').optional()),
    TWILIO_FROM: z.preprocess(emptyToUndefined, z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +15005550006').optional()),
    TWILIO_API_BASE: urlWithScheme(['http', 'https']),
    TWILIO_KEYWORD_REPLIES: z.preprocess(emptyToUndefined, z.enum(['twilio', 'reachloop'], { error: 'must be twilio or reachloop' }).optional()),
    LOOKUP_PROVIDER: z.preprocess(emptyToUndefined, z.enum(['twilio', 'none', 'sandbox'], { error: 'must be twilio, none or sandbox' }).optional()),
    LOOKUP_LINE_STATUS: z.preprocess(emptyToUndefined, z.enum(['on', 'off'], { error: 'must be on or off' }).default('off')),
    LOOKUP_CACHE_TTL: durationVar('30d', 'must be a duration such as 30d, 12h or 0s (no cache)'),
    LOOKUP_RATE_PER_SECOND: z.preprocess(emptyToUndefined, z.coerce.number({ error: 'must be a number' }).positive('must be more than 0').max(10_000, 'must be at most 10000').default(10)),
    EMAIL_PROVIDER: z.preprocess(emptyToUndefined, z.enum(['sandbox', 'smtp'], { error: 'must be sandbox or smtp' }).default('sandbox')),
    SMTP_URL: urlWithScheme(['smtp', 'smtps']),
    EMAIL_FROM: z.preprocess(emptyToUndefined, z.email('must be an e-mail address').default('reachloop@example.com')),
    HTTP_HOST: z.preprocess(emptyToUndefined, z.string().default('127.0.0.1')),
    HTTP_PORT: port(8080),
    PUBLIC_BASE_URL: urlWithScheme(['http', 'https']),
    REACHLOOP_SIGNING_SECRET: z.preprocess(emptyToUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
    REACHLOOP_DATA_KEYS: z.preprocess(emptyToUndefined, z.string().transform((v, ctx) => {
      const parsed = parseDataKeys(v);
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      }
      return parsed;
    }).optional()),
    REACHLOOP_DATA_KEY_ID: z.preprocess(emptyToUndefined, z.string().regex(KEY_ID_PATTERN, 'must be 1-16 letters, digits, _ or -').optional()),
    REACHLOOP_LOOKUP_KEY: z.preprocess(emptyToUndefined, z.string().transform((v, ctx) => {
      const key = base64Key(v);
      if (!key) {
        ctx.addIssue({ code: 'custom', message: 'must be the base64 of 32 bytes (e.g. `openssl rand -base64 32`)' });
        return z.NEVER;
      }
      return key;
    }).optional()),
    REACHLOOP_API_TOKEN: z.preprocess(emptyToUndefined, z.string().min(16, 'must be at least 16 characters').regex(/^\S+$/, 'must not contain spaces').optional()),
    COMPLAINT_WEBHOOK_TOKEN: z.preprocess(emptyToUndefined, z.string().min(16, 'must be at least 16 characters').regex(/^\S+$/, 'must not contain spaces').optional()),
    BRAND_NAME: z.preprocess(emptyToUndefined, z.string().max(30, 'must be at most 30 characters').default('reachloop')),
    RECOVERY_REPLY_WITHIN: durationVar('72h', 'must be a duration such as 72h, 3d or 90m', { min: 1_000 }),
    SEND_LEASE: durationVar('45s', 'must be a duration from 2s to 15m, such as 45s', { min: 2_000, max: 900_000 }),
    RECOVERY_FOLLOW_UP_CAMPAIGN: z.preprocess(emptyToUndefined, z.coerce.number({ error: 'must be a campaign id' }).int('must be a campaign id').positive('must be a campaign id').optional()),
    SENT_SWEEP_AFTER: durationVar('1h', 'must be a duration from 1m to 30d, such as 1h or 90m', { min: 60_000, max: 30 * 86_400_000 }),
    EVENT_RULES_FILE: optionalString,
    LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace'], { error: 'must be one of fatal, error, warn, info, debug, trace' }).default('info')),
  });

/** Rules across variables, checked on the raw values so they report even when others are bad. */
function crossFieldProblems(env: NodeJS.ProcessEnv): string[] {
  const set = (name: EnvName) => (env[name] ?? '').trim() !== '';
  const problems: string[] = [];
  if ((env.SMS_PROVIDER ?? '').trim() === 'twilio') {
    if (!set('TWILIO_ACCOUNT_SID')) problems.push('TWILIO_ACCOUNT_SID is required when SMS_PROVIDER=twilio');
    if (!set('TWILIO_AUTH_TOKEN')) problems.push('TWILIO_AUTH_TOKEN is required when SMS_PROVIDER=twilio');
    if (!set('TWILIO_MESSAGING_SERVICE_SID') && !set('TWILIO_FROM'))
      problems.push('TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required when SMS_PROVIDER=twilio');
  }
  const sms = (env.SMS_PROVIDER ?? '').trim();
  const lookup = (env.LOOKUP_PROVIDER ?? '').trim();
  if (lookup === 'sandbox' && sms === 'twilio')
    problems.push('LOOKUP_PROVIDER=sandbox makes up carrier answers and cannot run with real Twilio channels (SMS_PROVIDER=twilio): use LOOKUP_PROVIDER=twilio or none');
  if (lookup === 'twilio' && sms !== 'twilio') {
    if (!set('TWILIO_ACCOUNT_SID')) problems.push('TWILIO_ACCOUNT_SID is required when LOOKUP_PROVIDER=twilio');
    if (!set('TWILIO_AUTH_TOKEN')) problems.push('TWILIO_AUTH_TOKEN is required when LOOKUP_PROVIDER=twilio');
  }
  if (set('REACHLOOP_DATA_KEYS') !== set('REACHLOOP_LOOKUP_KEY'))
    problems.push('REACHLOOP_DATA_KEYS and REACHLOOP_LOOKUP_KEY are set together or not at all (unset, both are generated under the state folder)');
  if (set('REACHLOOP_DATA_KEY_ID') && !set('REACHLOOP_DATA_KEYS')) problems.push('REACHLOOP_DATA_KEY_ID names a key of REACHLOOP_DATA_KEYS, which is unset');
  const keys = set('REACHLOOP_DATA_KEYS') ? parseDataKeys(env.REACHLOOP_DATA_KEYS!.trim()) : undefined;
  const active = (env.REACHLOOP_DATA_KEY_ID ?? '').trim();
  if (keys && typeof keys !== 'string' && active && !keys.some((k) => k.id === active))
    problems.push(`REACHLOOP_DATA_KEY_ID "${active}" is not an id of REACHLOOP_DATA_KEYS (${keys.map((k) => k.id).join(', ')})`);
  if ((env.EMAIL_PROVIDER ?? '').trim() === 'smtp' && !set('SMTP_URL')) problems.push('SMTP_URL is required when EMAIL_PROVIDER=smtp');
  return problems;
}

type ParsedEnv = z.infer<typeof schema>;

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
  /** Keys of personal data at rest (infra/data-keys.ts); undefined = generated and kept under stateDir. */
  dataKeys: { keys: DataKey[]; activeId: string; lookupKey: Buffer } | undefined;
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
  const parsed = schema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        const value = env[name];
        const shown = value === undefined || SECRET_ENV.has(name as EnvName) ? '' : ` (got "${value}")`;
        return `${name} ${issue.message}${shown}`;
      });
  problems.push(...crossFieldProblems(env));
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const e = parsed.data;
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
      ? { keys: e.REACHLOOP_DATA_KEYS, activeId: e.REACHLOOP_DATA_KEY_ID ?? e.REACHLOOP_DATA_KEYS[0]!.id, lookupKey: e.REACHLOOP_LOOKUP_KEY }
      : undefined,
    events: { apiToken: e.REACHLOOP_API_TOKEN, rulesFile: e.EVENT_RULES_FILE },
    complaintToken: e.COMPLAINT_WEBHOOK_TOKEN,
    brand: e.BRAND_NAME,
    recovery: { replyWithinMs: e.RECOVERY_REPLY_WITHIN, followUpCampaignId: e.RECOVERY_FOLLOW_UP_CAMPAIGN ?? null },
    sendLeaseMs: e.SEND_LEASE,
    sentSweepAfterMs: e.SENT_SWEEP_AFTER,
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

/** Replaces the password of a URL with ***, for printing. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '***';
  }
}

export function maskSecret(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value.length <= 4 ? '***' : `***${value.slice(-4)}`;
}

/** The effective configuration as printed by `reachloop config`: secrets masked. */
export function describeConfig(config: Config): Record<string, unknown> {
  const sms =
    config.sms.provider === 'twilio'
      ? { ...config.sms, authToken: maskSecret(config.sms.authToken) }
      : config.sms;
  const email = config.email.provider === 'smtp' ? { ...config.email, url: maskUrl(config.email.url) } : config.email;
  return {
    stateDir: config.stateDir,
    temporal: { ...config.temporal, address: config.temporal.address ?? '(embedded dev server)' },
    database: config.databaseUrl ? maskUrl(config.databaseUrl) : '(embedded PostgreSQL)',
    sms,
    email,
    lookup: config.lookup.provider === 'twilio' ? { ...config.lookup, authToken: maskSecret(config.lookup.authToken) } : config.lookup,
    http: config.http,
    keywordReplies: config.keywordReplies,
    signingSecret: config.signingSecret ? maskSecret(config.signingSecret) : '(generated under the state folder)',
    dataKeys: config.dataKeys
      ? { ids: config.dataKeys.keys.map((k) => k.id), active: config.dataKeys.activeId, keys: '***', lookupKey: '***' }
      : '(generated under the state folder)',
    brand: config.brand,
    recovery: config.recovery,
    sendLeaseMs: config.sendLeaseMs,
    sentSweepAfterMs: config.sentSweepAfterMs,
    events: { apiToken: config.events.apiToken ? `${maskSecret(config.events.apiToken)} (deprecated: events:write and messages:send only)` : '(unset: tokens of `reachloop token create` only)', rulesFile: config.events.rulesFile ?? '(built-in rules)' },
    complaintToken: config.complaintToken ? maskSecret(config.complaintToken) : '(unset: the complaint webhooks answer 401)',
    logLevel: config.logLevel,
  };
}
