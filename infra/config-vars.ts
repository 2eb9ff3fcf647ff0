// The catalogue of environment variables: names, what each means, which are secrets.

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
  REACHLOOP_LOOKUP_KEY: 'base64 of 32 bytes: the HMAC key of the lookup hashes of numbers, e-mails and addresses (separate from the data keys). After `reachloop keys rotate-lookup`, the chain of lookup keys, oldest first, comma-separated (`old,new`), exactly as the rotation printed it. Generated under the state folder when unset (with REACHLOOP_DATA_KEYS)',
  REACHLOOP_API_TOKEN: 'Deprecated: a legacy bearer token (16+ characters) of the JSON API with the scopes events:write and messages:send only, at 50 requests/s (a warning at start); use `reachloop token create` instead. Unset = only tokens of `reachloop token create` are accepted',
  COMPLAINT_WEBHOOK_TOKEN: 'Bearer token (16+ characters) the e-mail complaint webhooks (POST /webhooks/email/arf, /webhooks/email/complaint) require; unset = they answer 401 to every request',
  BRAND_NAME: 'Brand named in SMS auto-replies (HELP, STOP) and in the changed-number confirmation SMS',
  RECOVERY_REPLY_WITHIN: 'How long a changed-number candidate has to answer the confirmation SMS, e.g. 72h (the one reminder goes at two thirds)',
  RECOVERY_FOLLOW_UP_CAMPAIGN: 'Id of a marketing campaign created as a template (`campaign create`, not launched): after a merge a one-person copy of it offers the welcome-back; unset = none',
  SEND_LEASE: 'How long a send attempt\'s lease on its recipients lasts (renewed while it works), e.g. 45s (default): a retried batch waits this long at most for an attempt that may still be calling the provider (a worker killed, Temporal restarted); longer than any provider call\'s timeout (Twilio 15s, SMTP 30s) plus a tenth',
  SENT_SWEEP_AFTER: 'How long an SMS may stay in `sent` (no final status callback) before `reachloop ledger sweep` asks the provider for its status, e.g. 1h (default; 1m to 30d)',
  SENT_SWEEP_GIVE_UP: 'How long after it was sent the sweep stops asking about a message the provider still reports as `sent` (some carriers never return a final receipt), e.g. 7d (default; 1h to 365d): without it every such message is asked about again after every SENT_SWEEP_AFTER, for ever',
  EVENT_RULES_FILE: 'JSON mapping rules of source event names to standard tags for the events API (see `reachloop events import --help`)',
  LOG_LEVEL: 'fatal | error | warn | info | debug | trace',
} as const;

export type EnvName = keyof typeof ENV_VARS;

/** Names whose values are secrets: masked wherever configuration is printed. */
export const SECRET_ENV: ReadonlySet<EnvName> = new Set(['TWILIO_AUTH_TOKEN', 'REACHLOOP_SIGNING_SECRET', 'REACHLOOP_DATA_KEYS', 'REACHLOOP_LOOKUP_KEY', 'REACHLOOP_API_TOKEN', 'COMPLAINT_WEBHOOK_TOKEN']);
