/**
 * The bearer token of the JSON API (`/v1/...`): every request carries
 * `Authorization: Bearer <REACHLOOP_API_TOKEN>`; without a configured token the API is closed.
 * Compared in constant time (digests of equal length). Also the API's error shape: 4xx errors
 * answer with their message, anything else with a bare 500.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { storableJson } from '../core/text';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Adds the token check and the error handler to an encapsulated Fastify plugin scope. */
export function protectApi(
  api: FastifyInstance,
  apiToken: string | undefined,
  explain: (err: Error & { code?: string }) => string = (e) => e.message,
  tokenName = 'REACHLOOP_API_TOKEN',
): void {
  const expected = apiToken ? digest(apiToken) : undefined;
  api.addHook('onRequest', async (req, reply) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!expected) return deny(reply, `the API is closed: no ${tokenName} is configured on the server`);
    if (!m) return deny(reply, `missing bearer token: send Authorization: Bearer <${tokenName}>`);
    if (!timingSafeEqual(digest(m[1]!), expected)) return deny(reply, 'invalid bearer token');
  });
  // Bytes PostgreSQL refuses (a NUL in a string or key: 22021, 22P05 in jsonb) are removed from
  // the parsed body before any handler sees it, as from the Twilio webhooks' parameters.
  api.addHook('preValidation', async (req) => {
    if (req.body !== undefined && req.body !== null && typeof req.body === 'object') req.body = storableJson(req.body).value;
  });
  api.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    return reply.code(status).send({ error: status === 500 ? 'internal error' : explain(err) });
  });
}

/**
 * The `explain` of a JSON route: fastify's body errors (malformed or empty JSON, a body over
 * `limit` bytes, another content type) in words a caller can act on; `tooLargeHint` says where
 * a larger body belongs.
 */
export function jsonBodyErrors(limit: number, tooLargeHint = ''): (err: Error & { code?: string }) => string {
  return (err) => {
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
  };
}

function deny(reply: FastifyReply, message: string) {
  return reply.code(401).header('www-authenticate', 'Bearer realm="reachloop"').send({ error: message });
}
