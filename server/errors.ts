import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { maskPersonalText } from '../core/mask';

/**
 * The one line an unexpected 500 is logged with: method, route (its pattern, so no identifier of
 * the request) and the error's first line, with any number or e-mail in it masked.
 */
export function internalErrorLine(req: Pick<FastifyRequest, 'method' | 'url' | 'routeOptions'>, err: Error): string {
  const message = maskPersonalText(`${err.name === 'Error' ? '' : `${err.name}: `}${(err.message ?? String(err)).split('\n')[0]}`).text;
  return `${req.method} ${req.routeOptions.url ?? req.url.split('?')[0]}: ${message} (500)`;
}

/**
 * Errors no route answered itself: a client error (malformed JSON, a body too large, a bad
 * content type) keeps fastify's 4xx and message; anything else is a 500 whose body names no
 * internal detail (a database error's text never reaches a caller), logged with its message.
 * A 5xx makes Twilio and other webhook senders retry, so nothing they sent is lost.
 */
export function registerErrorHandler(app: FastifyInstance, log: (message: string) => void): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send({ error: err.message });
    log(internalErrorLine(req, err));
    return reply.code(500).send({ error: 'internal error: the request was not applied; retry later' });
  });
}
