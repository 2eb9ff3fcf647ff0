/**
 * The JSON API (`/v1/...`) as one Fastify scope: every request carries a bearer token, every route
 * names the one scope it needs, every token has its rate. In order:
 *   onRequest   the token: none -> 401 missing_token; unknown -> 401 invalid_token; revoked -> 401
 *               token_revoked; without the route's scope -> 403 missing_scope (naming it);
 *   preParsing  the token's rate (@fastify/rate-limit keyed by token id, before the body is read,
 *               counted in PostgreSQL so every server process shares it: server/api-rate-store.ts):
 *               over it -> 429 rate_limited with Retry-After;
 *   parsing     the route's bodyLimit -> 413 body_too_large; not JSON -> 400 / 415;
 *   handler     the route's own 4xx, each with an `error` and a `reason`.
 * Tokens come from `reachloop token create` (db/api-tokens.ts); the legacy REACHLOOP_API_TOKEN
 * still authenticates, with LEGACY_SCOPES only and the default rate.
 */
import { timingSafeEqual } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_API_RATE, formatApiRate, LEGACY_SCOPES, looksLikeTokenSecret, type ApiRate, type ApiScope } from '../core/api-tokens';
import { findApiToken, tokenDigest, touchApiToken } from '../db/api-tokens';
import type { Pool } from '../db/pool';
import { sharedRateStore } from './api-rate-store';
import { bearerOf, deny, digest, explainBodyError, guardJsonBodies } from './api-auth';

/** Who is calling: a token of api_tokens, or the legacy REACHLOOP_API_TOKEN. */
export interface ApiCaller {
  /** `token:<id>` or `legacy`: the rate limit's key. */
  key: string;
  name: string;
  scopes: readonly ApiScope[];
  rate: ApiRate;
}

declare module 'fastify' {
  interface FastifyRequest {
    apiCaller: ApiCaller | null;
  }
  interface FastifyContextConfig {
    /** The scope a JSON API route needs (every route of the scope names one). */
    scope?: ApiScope;
    /** Where a body over the route's bodyLimit belongs instead. */
    tooLargeHint?: string;
  }
}

export interface ApiScopeOptions {
  pool: Pool;
  /** REACHLOOP_API_TOKEN (deprecated): accepted with LEGACY_SCOPES only. */
  legacyToken?: string | undefined;
  now?: () => Date | Promise<Date>;
  /** Where an unexpected 500 is logged (server/errors.ts). */
  log: (message: string) => void;
}

const LEGACY_NAME = 'REACHLOOP_API_TOKEN';

/** Makes `api` (an encapsulated scope) the token-, scope- and rate-checked JSON API; add its routes after this. */
export async function protectScopedApi(api: FastifyInstance, opts: ApiScopeOptions): Promise<void> {
  const now = opts.now ?? (() => new Date());
  const legacy = opts.legacyToken ? digest(opts.legacyToken) : undefined;
  api.decorateRequest('apiCaller', null);
  api.addHook('onRoute', (route) => {
    if (!route.config?.scope) throw new Error(`API route ${route.method} ${route.url} names no scope (config.scope)`);
  });
  api.addHook('onRequest', async (req, reply) => {
    const secret = bearerOf(req.headers.authorization);
    if (!secret) return deny(reply, 'missing bearer token: send Authorization: Bearer <token> (`reachloop token create`)', 'missing_token');
    let caller: ApiCaller;
    if (legacy && timingSafeEqual(digest(secret), legacy)) {
      caller = { key: 'legacy', name: LEGACY_NAME, scopes: LEGACY_SCOPES, rate: DEFAULT_API_RATE };
    } else {
      const row = looksLikeTokenSecret(secret) ? await findApiToken(opts.pool, tokenDigest(secret)) : undefined;
      if (!row) return deny(reply, 'invalid bearer token', 'invalid_token');
      if (row.revokedAt) return deny(reply, `the token "${row.name}" was revoked on ${row.revokedAt.toISOString()}`, 'token_revoked');
      await touchApiToken(opts.pool, row.id, await now());
      caller = { key: `token:${row.id}`, name: row.name, scopes: row.scopes, rate: row.rate };
    }
    const scope = req.routeOptions.config.scope!;
    if (!caller.scopes.includes(scope)) {
      const how = caller.key === 'legacy' ? `; ${LEGACY_NAME} carries ${LEGACY_SCOPES.join(', ')} only: create a token with \`reachloop token create --scope ${scope}\`` : '';
      return reply.code(403).send({ error: `the token "${caller.name}" lacks the scope ${scope} this route needs${how}`, reason: 'missing_scope', scope });
    }
    req.apiCaller = caller;
  });
  await api.register(rateLimit, {
    hook: 'preParsing',
    store: sharedRateStore(opts.pool),
    keyGenerator: (req) => req.apiCaller!.key,
    max: (req) => req.apiCaller!.rate.max,
    timeWindow: (req) => req.apiCaller!.rate.windowMs,
    errorResponseBuilder: (req, ctx) =>
      Object.assign(new Error(`the token "${req.apiCaller!.name}" is over its rate of ${formatApiRate(req.apiCaller!.rate)}: retry in ${ctx.after}`), { statusCode: ctx.statusCode, reason: 'rate_limited' }),
  });
  guardJsonBodies(api, (err, req) => explainBodyError(err, req.routeOptions.bodyLimit ?? 0, (req.routeOptions.config as { tooLargeHint?: string } | undefined)?.tooLargeHint ?? ''), opts.log);
}
