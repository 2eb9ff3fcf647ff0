import formbody from '@fastify/formbody';
import { registerErrorHandler } from './errors';
import Fastify, { type FastifyInstance } from 'fastify';
import { ping, type Pool } from '../db/pool';
import { registerComplaintWebhooks, type ComplaintWebhookOptions } from './complaints';
import { protectScopedApi } from './api';
import { registerEventsApi, type EventsApiOptions } from './events';
import { registerLinks } from './links';
import type { MessagesLink } from '../services/transactional-message';
import { registerMessagesApi } from './messages';
import type { RecoveryLink } from '../services/recovery-lifecycle';
import { registerNumberChange } from './number-change';
import { registerPrivacyApi } from './privacy';
import { registerTwilioWebhooks, type TwilioWebhookOptions } from './twilio-webhooks';
import { registerUnsubscribe, type UnsubscribeOptions } from './unsubscribe';

export interface ServerDeps {
  pool: Pool;
  /** Where an unexpected 500 is logged, one line (server/errors.ts); default: the Twilio webhooks' log, else stderr. */
  log?: (message: string) => void;
  /** The events API: the legacy bearer token REACHLOOP_API_TOKEN (server/api.ts), mapping rules. */
  events?: EventsApiOptions;
  /** Twilio status and inbound webhooks (unset = not served). */
  twilio?: TwilioWebhookOptions;
  /** E-mail/SMS unsubscribe links (unset = not served). */
  unsubscribe?: UnsubscribeOptions;
  /** E-mail complaint webhooks (ARF reports, provider spam reports): unset = not served; an undefined token = every request 401. */
  complaints?: ComplaintWebhookOptions;
  /** Changed-number recovery through Temporal: inbound answers and `POST /v1/contacts/:id/number-change` (unset = neither). */
  recovery?: RecoveryLink;
  /** The single-message API (`POST /v1/messages`, `GET /v1/messages/:id`) through Temporal (unset = not served). */
  messages?: MessagesLink;
}

/** Longest route parameter the server takes (signed tokens, link codes). */
const MAX_PARAM_LENGTH = 1_000;

/**
 * The HTTP edge: Twilio webhooks, unsubscribe links and the events API are added here by their
 * issues. Thin handlers: verify, parse, write to Postgres or signal a workflow by id.
 */
export function buildServer(deps: ServerDeps): FastifyInstance {
  // A signed unsubscribe token is a route parameter of about 80 characters plus the digits of its
  // contact and campaign ids; fastify's default limit of 100 answered 414 to the links of large
  // deployments (tests now run with ids beyond 32 bits).
  const app = Fastify({ logger: false, routerOptions: { maxParamLength: MAX_PARAM_LENGTH } });
  const serverLog = deps.log ?? deps.twilio?.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  registerErrorHandler(app, serverLog);
  app.get('/healthz', async (_req, reply) => {
    try {
      await ping(deps.pool);
      return { ok: true };
    } catch (err) {
      return reply.code(503).send({ ok: false, error: 'database unreachable' });
    }
  });
  const now = deps.events?.now ? { now: deps.events.now } : {};
  const log = deps.twilio?.log ? { log: deps.twilio.log } : {};
  // The JSON API: one scope, so a token's rate counts across all its routes (server/api.ts).
  app.register(async (api) => {
    await protectScopedApi(api, { pool: deps.pool, legacyToken: deps.events?.apiToken, log: serverLog, ...now });
    registerEventsApi(api, deps, deps.events ?? {});
    registerPrivacyApi(api, deps, now);
    if (deps.recovery) registerNumberChange(api, deps, { recovery: deps.recovery, ...now, ...log });
    if (deps.messages) registerMessagesApi(api, deps, { link: deps.messages, ...now, ...log });
  });
  for (const link of [deps.recovery, deps.messages]) if (link) app.addHook('onClose', async () => link.close());
  if (deps.twilio || deps.unsubscribe) app.register(formbody);
  if (deps.twilio) registerTwilioWebhooks(app, deps, deps.twilio);
  if (deps.unsubscribe) registerUnsubscribe(app, deps, deps.unsubscribe);
  if (deps.complaints) registerComplaintWebhooks(app, deps, deps.complaints, serverLog);
  registerLinks(app, deps);
  return app;
}
