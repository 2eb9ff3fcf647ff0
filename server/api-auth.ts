/**
 * Bearer tokens and the error shape of the token-protected JSON routes.
 *
 * `protectApi`: one static token (COMPLAINT_WEBHOOK_TOKEN of the complaint webhooks), compared in
 * constant time (digests of equal length); without a configured token the routes are closed.
 * The JSON API (`/v1/...`) is protected per token, scope and rate by server/api.ts, which shares
 * `guardJsonBodies` (NUL bytes removed, 4xx errors answered with their message and reason, anything
 * else a bare 500, logged) and `deny`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { storableJson } from '../core/text';
import { internalErrorLine } from './errors';

export const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Adds the static token check and the error handler to an encapsulated Fastify plugin scope. */
export function protectApi(api: FastifyInstance, apiToken: string | undefined, explain: (err: Error & { code?: string }) => string, tokenName: string, log: (message: string) => void): void {
  const expected = apiToken ? digest(apiToken) : undefined;
  api.addHook('onRequest', async (req, reply) => {
    const token = bearerOf(req.headers.authorization);
    if (!expected) return deny(reply, `the API is closed: no ${tokenName} is configured on the server`, 'api_closed');
    if (!token) return deny(reply, `missing bearer token: send Authorization: Bearer <${tokenName}>`, 'missing_token');
    if (!timingSafeEqual(digest(token), expected)) return deny(reply, 'invalid bearer token', 'invalid_token');
  });
  guardJsonBodies(api, (err) => explain(err), log);
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export const bearerOf = (header: string | undefined): string | undefined => /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];

/**
 * Bytes PostgreSQL refuses (a NUL in a string or key: 22021, 22P05 in jsonb) are removed from the
 * parsed body before any handler sees it, as from the Twilio webhooks' parameters; errors answer
 * 4xx with `explain`'s words (and the error's `reason`, if it has one), anything else a bare 500
 * that names no internal detail to the caller and is logged through `log` (server/errors.ts).
 */
export function guardJsonBodies(
  api: FastifyInstance,
  explain: (err: Error & { code?: string }, req: { routeOptions: { bodyLimit?: number; config?: unknown } }) => string,
  log: (message: string) => void,
): void {
  api.addHook('preValidation', async (req) => {
    if (req.body !== undefined && req.body !== null && typeof req.body === 'object') req.body = storableJson(req.body).value;
  });
  api.setErrorHandler((err: Error & { statusCode?: number; code?: string; reason?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) {
      log(internalErrorLine(req, err));
      return reply.code(500).send({ error: 'internal error' });
    }
    return reply.code(status).send({ error: explain(err, req), reason: err.reason ?? reasonOf(err.code, status) });
  });
}

/** A reason code for fastify's own client errors. */
function reasonOf(code: string | undefined, status: number): string {
  switch (code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'malformed_json';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'body_too_large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported_media_type';
    default:
      return status === 413 ? 'body_too_large' : 'bad_request';
  }
}

/**
 * fastify's body errors (malformed or empty JSON, a body over `limit` bytes, another content type)
 * in words a caller can act on; `tooLargeHint` says where a larger body belongs.
 */
export function explainBodyError(err: Error & { code?: string }, limit: number, tooLargeHint = ''): string {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return `the body is not valid JSON: ${err.message}`;
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `the body is larger than ${limit} bytes${tooLargeHint}`;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'send the body as application/json';
    default:
      return err.message;
  }
}

/** 401 with the challenge, a message and a reason code. */
export function deny(reply: FastifyReply, message: string, reason: string) {
  return reply.code(401).header('www-authenticate', 'Bearer realm="reachloop"').send({ error: message, reason });
}
