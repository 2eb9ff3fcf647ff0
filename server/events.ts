import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ingestEvents, type EventResult } from '../services/events';
import { DEFAULT_RULES, parseTagRules, type TagRules } from '../core/events';
import { CURRENT_SCORE_POLICY, type ScorePolicy } from '../core/score-policy';
import type { Pool } from '../db/pool';

export interface EventsApiOptions {
  /** The legacy bearer token REACHLOOP_API_TOKEN (server/api.ts): unset = only tokens of `reachloop token create`. */
  apiToken?: string | undefined;
  /** JSON mapping rules (core/events.ts tagRulesFileSchema); unset = the built-in rules. */
  rulesFile?: string | undefined;
  policy?: ScorePolicy;
  now?: () => Date | Promise<Date>;
}

/** Events per request; bigger sets go through `reachloop events import`. */
export const MAX_EVENTS_PER_REQUEST = 1_000;
const BODY_LIMIT = 8 * 1024 * 1024;

/**
 * `POST /v1/events`: one event object, or `{"events": [...]}` (at most 1,000). Each event gets
 * its own result (stored, duplicate, or rejected with a reason and message); the status is 200
 * when none was rejected, 207 when some were, 422 when all were. 400 for a body that is not JSON
 * or not one of those shapes, 413 for too many events (or over 8 MB). Scope events:write (server/api.ts).
 * A contact is named by its reference (`contact_id: "ct_…"`), never the sequential id (rejected per
 * event, sequential_contact_id), and each result names its contact by reference, given on first use.
 */
export function registerEventsApi(api: FastifyInstance, deps: { pool: Pool }, opts: EventsApiOptions): void {
  const rules = loadRules(opts.rulesFile);
  const policy = opts.policy ?? CURRENT_SCORE_POLICY;
  const now = opts.now ?? (() => new Date());

  api.post('/v1/events', { bodyLimit: BODY_LIMIT, config: { scope: 'events:write', tooLargeHint: '; import files with `reachloop events import`' } }, async (req: FastifyRequest, reply: FastifyReply) => {
    if (!/^application\/(.+\+)?json\b/i.test(req.headers['content-type'] ?? '')) return reply.code(415).send({ error: 'send the body as application/json', reason: 'unsupported_media_type' });
    const body = req.body as unknown;
    let items: unknown[];
    if (body !== null && typeof body === 'object' && !Array.isArray(body) && 'events' in body) {
      const events = (body as { events: unknown }).events;
      if (!Array.isArray(events)) return reply.code(400).send({ error: '"events" must be an array of event objects', reason: 'bad_shape' });
      if (events.length === 0) return reply.code(400).send({ error: '"events" is empty', reason: 'no_events' });
      if (events.length > MAX_EVENTS_PER_REQUEST)
        return reply.code(413).send({ error: `at most ${MAX_EVENTS_PER_REQUEST} events per request (got ${events.length}); import files with \`reachloop events import\``, reason: 'too_many_events' });
      items = events;
    } else if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
      items = [body];
    } else {
      return reply.code(400).send({ error: 'the body must be one event object or {"events": [...]}', reason: 'bad_shape' });
    }
    const { results, summary } = await ingestEvents(
      { pool: deps.pool, policy, now },
      items.map((raw, key) => ({ key, raw })),
      { rules, defaultCountry: undefined, defaultSource: 'api', importId: null, publicApi: true },
    );
    const status = summary.rejected === 0 ? 200 : summary.rejected === results.length ? 422 : 207;
    return reply.code(status).send({
      received: summary.read,
      stored: summary.stored,
      duplicates: summary.duplicates,
      rejected: summary.rejected,
      unknown_tags: summary.unknownTags,
      unmatched: summary.unmatched,
      warnings: summary.warnings ?? 0,
      results: results.map(view),
    });
  });
}

function view(r: EventResult) {
  if (r.status === 'rejected') return { index: r.key, ...(r.eventId ? { event_id: r.eventId } : {}), status: r.status, error: { reason: r.reason, message: r.message } };
  return {
    index: r.key,
    event_id: r.eventId,
    status: r.status,
    tag: r.tag,
    raw_tag: r.rawTag,
    contact_id: r.contactRef ?? null,
    ...(r.tag === null ? { unknown_tag: true } : {}),
    ...(r.contactId === null ? { unmatched: true } : {}),
    // Stored without a missing or malformed property: what was left out, and why.
    ...(r.warnings ? { warnings: r.warnings.map((w) => ({ field: w.field, reason: w.reason, message: w.detail })) } : {}),
  };
}

function loadRules(file: string | undefined): TagRules {
  if (!file) return DEFAULT_RULES;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`EVENT_RULES_FILE ${file}: ${(err as Error).message}`);
  }
  return parseTagRules(raw, file);
}
