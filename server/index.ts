import Fastify, { type FastifyInstance } from 'fastify';
import type { Pool } from '../db/pool';
import { registerEventsApi, type EventsApiOptions } from './events';

export interface ServerDeps {
  pool: Pool;
  /** The events API: bearer token, mapping rules (unset token = every request gets 401). */
  events?: EventsApiOptions;
}

/**
 * The HTTP edge: Twilio webhooks, unsubscribe links and the events API are added here by their
 * issues. Thin handlers: verify, parse, write to Postgres or signal a workflow by id.
 */
export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/healthz', async (_req, reply) => {
    try {
      await deps.pool.query('SELECT 1');
      return { ok: true };
    } catch (err) {
      return reply.code(503).send({ ok: false, error: 'database unreachable' });
    }
  });
  registerEventsApi(app, deps, deps.events ?? { apiToken: undefined });
  return app;
}
