import { z } from 'zod';
import { parseDurationMs } from '../core/duration';
import { SECRET_ENV, type EnvName } from './config-vars';
import { KEY_ID_PATTERN, parseDataKeys, parseLookupKeys } from './data-codec';

// Validation of the environment: the zod schema of every variable, the rules across variables,
// and one line per problem. infra/config.ts turns the parsed values into a Config.

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

/** An optional variable read by `parse`, which answers the value or the problem with it (never echoing a key). */
const parsedBy = <T extends object>(parse: (v: string) => T | string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .transform((v, ctx) => {
        const parsed = parse(v);
        if (typeof parsed === 'string') {
          ctx.addIssue({ code: 'custom', message: parsed });
          return z.NEVER;
        }
        return parsed;
      })
      .optional(),
  );

export const envSchema = z
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
    REACHLOOP_DATA_KEYS: parsedBy(parseDataKeys),
    REACHLOOP_DATA_KEY_ID: z.preprocess(emptyToUndefined, z.string().regex(KEY_ID_PATTERN, 'must be 1-16 letters, digits, _ or -').optional()),
    REACHLOOP_LOOKUP_KEY: parsedBy(parseLookupKeys),
    REACHLOOP_API_TOKEN: z.preprocess(emptyToUndefined, z.string().min(16, 'must be at least 16 characters').regex(/^\S+$/, 'must not contain spaces').optional()),
    COMPLAINT_WEBHOOK_TOKEN: z.preprocess(emptyToUndefined, z.string().min(16, 'must be at least 16 characters').regex(/^\S+$/, 'must not contain spaces').optional()),
    BRAND_NAME: z.preprocess(emptyToUndefined, z.string().max(30, 'must be at most 30 characters').default('reachloop')),
    RECOVERY_REPLY_WITHIN: durationVar('72h', 'must be a duration such as 72h, 3d or 90m', { min: 1_000 }),
    SEND_LEASE: durationVar('45s', 'must be a duration from 2s to 15m, such as 45s', { min: 2_000, max: 900_000 }),
    RECOVERY_FOLLOW_UP_CAMPAIGN: z.preprocess(emptyToUndefined, z.coerce.number({ error: 'must be a campaign id' }).int('must be a campaign id').positive('must be a campaign id').optional()),
    SENT_SWEEP_AFTER: durationVar('1h', 'must be a duration from 1m to 30d, such as 1h or 90m', { min: 60_000, max: 30 * 86_400_000 }),
    SENT_SWEEP_GIVE_UP: durationVar('7d', 'must be a duration from 1h to 365d, such as 7d or 72h', { min: 3_600_000, max: 365 * 86_400_000 }),
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

export type ParsedEnv = z.infer<typeof envSchema>;

/** The parsed environment, or every problem found in it (one line each, secrets never echoed). */
export function parseEnv(env: NodeJS.ProcessEnv): { data: ParsedEnv; problems: [] } | { data: undefined; problems: string[] } {
  const parsed = envSchema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        const value = env[name];
        const shown = value === undefined || SECRET_ENV.has(name as EnvName) ? '' : ` (got "${value}")`;
        return `${name} ${issue.message}${shown}`;
      });
  problems.push(...crossFieldProblems(env));
  return parsed.success && !problems.length ? { data: parsed.data, problems: [] } : { data: undefined, problems };
}
