/**
 * A local Twilio-shaped HTTP server: the SMS provider of `reachloop dev`, demos, staging dry
 * runs and tests. The real `twilio` library talks to it (channels/twilio.ts with TWILIO_API_BASE).
 *
 * Twilio API (HTTP basic auth AccountSid:AuthToken, Twilio JSON and error bodies):
 *   POST /2010-04-01/Accounts/{AccountSid}/Messages.json        send (To, From | MessagingServiceSid, Body, StatusCallback, ValidityPeriod)
 *   GET  /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json  fetch one
 *   GET  /2010-04-01/Accounts/{AccountSid}/Messages.json        list (To, From, DateSent, DateSent<, DateSent>, PageSize, Page)
 * After accepting a message it replays its scripted outcome (rules: sandbox/twilio-rules.ts):
 * status callbacks queued -> sent -> delivered | undelivered | failed (+ ErrorCode), POSTed to
 * the message's StatusCallback with X-Twilio-Signature computed by the twilio library, exactly
 * as Twilio signs, and tried again with backoff after a 5xx or a connection error; and handset
 * replies POSTed, signed, to the inbound webhook (sandbox/twilio-replay.ts).
 *
 *   GET  /v2/PhoneNumbers/{PhoneNumber}?Fields=line_type_intelligence,line_status   Lookup v2 (sandbox/twilio-lookup.ts)
 * Admin API for the CLI (`reachloop sandbox messages|reply`), same basic auth, JSON:
 *   GET /_sandbox/messages[?to=&direction=]   DELETE /_sandbox/messages
 *   POST /_sandbox/reply {from, to?, body}     GET|PUT /_sandbox/rules {rules}
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { createReplayer, DEFAULT_CALLBACK_RETRY, type CallbackRetry, type ReplyResult } from './twilio-replay';
import { DEFAULT_DELAYS, RuleBook, type Delays, type SandboxRule } from './twilio-rules';
import { lookupJson, parseFields, type LookupRecord } from './twilio-lookup';
import { API_VERSION, errorBody, listPage, messageJson, newSid, parseListQuery, segmentsOf, type SandboxMessage } from './twilio-resources';

export type { SandboxMessage, CallbackRecord } from './twilio-resources';
export type { SandboxRule } from './twilio-rules';
export type { ReplyResult } from './twilio-replay';
export type { LookupRecord } from './twilio-lookup';

export interface TwilioSandboxOptions {
  /** The auth token clients must present and callbacks are signed with. Required: no default secret. */
  authToken: string;
  /** AC + 32 hex; a random one when omitted. */
  accountSid?: string;
  /** 0 or omitted: any free port. */
  port?: number;
  host?: string;
  rules?: readonly SandboxRule[];
  /** Where handset replies are POSTed (the product's inbound SMS webhook). */
  inboundWebhookUrl?: string;
  /** Number used for messages that name only a Messaging Service, and the default To of replies. */
  defaultFrom?: string;
  defaultDelaysMs?: Partial<Delays>;
  /** How a status callback answered 5xx, or not at all, is tried again (default: 6 tries over about 15 s). */
  callbackRetry?: Partial<CallbackRetry>;
}

export interface TwilioSandbox {
  /** Base URL to use as TWILIO_API_BASE. */
  url: string;
  accountSid: string;
  messages(filter?: { to?: string; direction?: SandboxMessage['direction'] }): SandboxMessage[];
  /** The Lookup requests answered so far, oldest first. */
  lookups(): LookupRecord[];
  /** A handset `from` answers to `to` (default: defaultFrom); awaits the signed webhook POST. */
  reply(from: string, to: string | undefined, body: string): Promise<ReplyResult>;
  rules(): SandboxRule[];
  /** The live rule book: an in-process lookup answers from it as the server's Lookup does (channels/sandbox-lookup.ts). */
  ruleBook(): RuleBook;
  /** Replaces the rules (validated; throws on a bad rule) and resets their use counters. */
  setRules(rules: readonly SandboxRule[]): void;
  setInboundWebhookUrl(url: string | undefined): void;
  /** Forgets every recorded message and cancels the callbacks and replies still scheduled. */
  clear(): void;
  /** Resolves once no callback or reply is scheduled or in flight. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

const E164 = /^\+[1-9]\d{1,14}$/;
/** A phone number, short code or alphanumeric sender ID. */
const FROM = /^(\+[1-9]\d{1,14}|\d{3,8}|[A-Za-z0-9 ]{1,11})$/;
const MESSAGING_SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;

const replySchema = z.object({ from: z.string().regex(E164, 'must be E.164'), to: z.string().regex(E164, 'must be E.164').optional(), body: z.string().min(1) });
const rulesBodySchema = z.object({ rules: z.array(z.unknown()) });

const first = (v: unknown): string | undefined => {
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s : undefined;
};
const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

export async function startTwilioSandbox(options: TwilioSandboxOptions): Promise<TwilioSandbox> {
  if (!options.authToken) throw new Error('startTwilioSandbox: authToken is required');
  const accountSid = options.accountSid ?? `AC${newSid('SM').slice(2)}`;
  if (!/^AC[0-9a-fA-F]{32}$/.test(accountSid)) throw new Error('startTwilioSandbox: accountSid must be AC followed by 32 hex digits');
  const authToken = options.authToken;
  const defaultFrom = options.defaultFrom ?? '+15005550006';
  const rules = new RuleBook(options.rules ?? [], { ...DEFAULT_DELAYS, ...options.defaultDelaysMs });
  let inboundWebhookUrl = options.inboundWebhookUrl;
  const store = new Map<string, SandboxMessage>();
  const lookups: LookupRecord[] = [];

  const replayer = createReplayer({
    accountSid,
    authToken,
    defaultFrom,
    store,
    inboundWebhookUrl: () => inboundWebhookUrl,
    callbackRetry: { ...DEFAULT_CALLBACK_RETRY, ...options.callbackRetry },
  });

  // --- HTTP -----------------------------------------------------------------------------------
  const app = Fastify({ logger: false, forceCloseConnections: true });
  await app.register(formbody);

  // Twilio's error body. Codes: Twilio's own where Twilio has one; 20001 for other bad parameters.
  const fail = (res: FastifyReply, status: number, code: number, message: string) => res.code(status).send(errorBody(status, code, message));

  app.addHook('onRequest', async (req, res) => {
    if (req.url === '/healthz') return;
    const header = req.headers.authorization;
    let ok = false;
    if (header?.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      ok = colon > 0 && sameSecret(decoded.slice(0, colon), accountSid) && sameSecret(decoded.slice(colon + 1), authToken);
    }
    if (!ok) {
      res.header('WWW-Authenticate', 'Basic realm="Twilio API"');
      return fail(res, 401, 20003, 'Authenticate');
    }
  });

  app.setNotFoundHandler((req, res) => fail(res, 404, 20404, `The requested resource ${req.url.split('?')[0]} was not found`));
  app.setErrorHandler((err: FastifyError, _req, res) =>
    (err.statusCode ?? 500) < 500 ? fail(res, err.statusCode ?? 400, 20001, err.message) : fail(res, 500, 20500, 'Internal Server Error'),
  );

  const base = `/${API_VERSION}/Accounts/:accountSid`;
  type AccountReq = FastifyRequest<{ Params: { accountSid: string; file?: string }; Querystring: Record<string, string | undefined> }>;
  const wrongAccount = (req: AccountReq, res: FastifyReply) =>
    req.params.accountSid === accountSid ? null : fail(res, 404, 20404, `The requested resource ${req.url.split('?')[0]} was not found`);

  app.get('/healthz', async () => ({ ok: true }));

  app.post(`${base}/Messages.json`, async (req: AccountReq, res) => {
    const denied = wrongAccount(req, res);
    if (denied) return denied;
    const f = (req.body ?? {}) as Record<string, unknown>;
    const to = first(f.To)?.trim();
    const from = first(f.From)?.trim() || undefined;
    const service = first(f.MessagingServiceSid)?.trim() || undefined;
    const body = first(f.Body) ?? '';
    const statusCallback = first(f.StatusCallback)?.trim() || undefined;
    const validity = first(f.ValidityPeriod);
    if (!to) return fail(res, 400, 21604, "A 'To' phone number is required.");
    if (!from && !service) return fail(res, 400, 21603, "A 'From' phone number is required.");
    if (!body) return fail(res, 400, 21602, 'Message body is required.');
    if (!E164.test(to)) return fail(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (from && !FROM.test(from)) return fail(res, 400, 21212, `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`);
    if (service && !MESSAGING_SERVICE_SID.test(service)) return fail(res, 404, 20404, `The requested resource /Services/${service} was not found`);
    if ([...body].length > 1600) return fail(res, 400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    if (statusCallback && !/^https?:\/\/[^\s]+$/.test(statusCallback)) return fail(res, 400, 21609, `Invalid StatusCallback url: ${statusCallback}`);
    const validityPeriod = validity === undefined ? null : Number(validity);
    if (validityPeriod !== null && !(Number.isInteger(validityPeriod) && validityPeriod >= 1 && validityPeriod <= 36_000))
      return fail(res, 400, 20001, 'ValidityPeriod must be an integer from 1 to 36000.');

    const verdict = rules.decide(to);
    if ('reject' in verdict) {
      const { code, status, message } = verdict.reject;
      return fail(res, status, code, message ?? `Message to ${to} refused (error ${code})`);
    }
    const now = new Date().toISOString();
    const m: SandboxMessage = {
      sid: newSid('SM'),
      accountSid,
      direction: 'outbound-api',
      from: from ?? null,
      to,
      body,
      // As at Twilio: a message naming only a Messaging Service is 'accepted' until it picks a number.
      status: from ? 'queued' : 'accepted',
      errorCode: null,
      messagingServiceSid: service ?? null,
      statusCallback: statusCallback ?? null,
      validityPeriod,
      numSegments: segmentsOf(body),
      createdAt: now,
      updatedAt: now,
      sentAt: null,
      responseLost: verdict.script.loseResponse !== null,
      callbacks: [],
    };
    store.set(m.sid, m);
    replayer.play(m, verdict.script);
    if (verdict.script.loseResponse) {
      // The message is recorded and will be delivered; the caller just never hears about it.
      res.hijack();
      if (verdict.script.loseResponse === 'reset') req.raw.socket.destroy();
      return;
    }
    return res.code(201).send(messageJson(m));
  });

  app.get(`${base}/Messages.json`, async (req: AccountReq, res) => {
    const denied = wrongAccount(req, res);
    if (denied) return denied;
    const q = parseListQuery(req.query);
    if (typeof q === 'string') return fail(res, 400, 20001, q);
    return listPage([...store.values()], q, accountSid, req.query);
  });

  app.get(`${base}/Messages/:file`, async (req: AccountReq, res) => {
    const denied = wrongAccount(req, res);
    if (denied) return denied;
    const sid = (req.params.file ?? '').replace(/\.json$/, '');
    const m = store.get(sid);
    if (!m) return fail(res, 404, 20404, `The requested resource ${req.url.split('?')[0]} was not found`);
    return messageJson(m);
  });

  app.get('/v2/PhoneNumbers/:phoneNumber', async (req: FastifyRequest<{ Params: { phoneNumber: string }; Querystring: Record<string, unknown> }>, res) => {
    const fields = parseFields(req.query.Fields);
    lookups.push({ phoneNumber: req.params.phoneNumber, fields, at: Date.now() });
    const body = lookupJson(rules, req.params.phoneNumber, fields);
    if (!body) return fail(res, 404, 20404, `The requested resource /v2/PhoneNumbers/${req.params.phoneNumber} was not found`);
    return body;
  });

  // --- admin API ------------------------------------------------------------------------------
  const messages: TwilioSandbox['messages'] = (filter = {}) =>
    [...store.values()]
      .filter((m) => (filter.to === undefined || m.to === filter.to) && (filter.direction === undefined || m.direction === filter.direction))
      .map((m) => structuredClone(m));

  app.get('/_sandbox/messages', async (req: FastifyRequest<{ Querystring: { to?: string; direction?: string } }>) => {
    const { to, direction } = req.query;
    return {
      messages: messages({
        ...(to ? { to } : {}),
        ...(direction === 'inbound' || direction === 'outbound-api' ? { direction } : {}),
      }),
    };
  });
  app.delete('/_sandbox/messages', async () => {
    replayer.cancelScheduled();
    store.clear();
    return { ok: true };
  });
  app.post('/_sandbox/reply', async (req, res) => {
    const parsed = replySchema.safeParse(req.body);
    if (!parsed.success) return fail(res, 400, 20001, parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; '));
    return replayer.reply(parsed.data.from, parsed.data.to ?? defaultFrom, parsed.data.body);
  });
  app.get('/_sandbox/rules', async () => ({ rules: rules.list() }));
  app.put('/_sandbox/rules', async (req, res) => {
    const parsed = rulesBodySchema.safeParse(req.body);
    if (!parsed.success) return fail(res, 400, 20001, 'body must be {"rules": [...]}');
    try {
      rules.set(parsed.data.rules as SandboxRule[]);
    } catch (err) {
      const issues = err instanceof z.ZodError ? err.issues.map((i) => `rules.${i.path.join('.')} ${i.message}`).join('; ') : String(err);
      return fail(res, 400, 20001, issues);
    }
    return { rules: rules.list() };
  });

  const address = await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });

  return {
    ruleBook: () => rules,
    url: address,
    accountSid,
    messages,
    lookups: () => lookups.map((l) => ({ ...l, fields: [...l.fields] })),
    reply: (from, to, body) => replayer.reply(from, to ?? defaultFrom, body),
    rules: () => rules.list(),
    setRules: (r) => rules.set(r),
    setInboundWebhookUrl: (url) => {
      inboundWebhookUrl = url;
    },
    clear: () => {
      replayer.cancelScheduled();
      store.clear();
      lookups.length = 0;
    },
    idle: () => replayer.idle(),
    async stop() {
      await replayer.stop();
      await app.close();
    },
  };
}

/** The brief's name for it. */
export const start = startTwilioSandbox;
