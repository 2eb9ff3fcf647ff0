/**
 * The transactional lane's single-message API, scope messages:send (server/api.ts):
 *
 * `POST /v1/messages` with an `Idempotency-Key` header and
 * `{"contact_id": "ct_..." | "phone": "+1212...", "channel"?: "sms"|"email", "text", "subject"?, "urgent"?}` (a contact's reference,
 *   never its sequential id):
 *   202 `{"message_id", "status": "accepted"}` once its workflow is started (the same key again: the
 *       same answer, nothing sent again); 400 malformed JSON or a missing/bad key; 409 the key was
 *       used for another body; 415 not JSON; 422 unknown contact, bad channel, text too long, ...;
 *   503 recorded but Temporal is unreachable (retry with the same key).
 * `GET /v1/messages/:id`: the message's decision (SEND / DEFER until / SKIP, reason and rule), its
 *   ledger state and provider status; 404 for an unknown id and for another caller's message (a
 *   token reads only what it sent; an Idempotency-Key is the caller's own).
 */
import type { FastifyInstance } from 'fastify';
import { acceptMessage, type MessagesLink } from '../services/transactional-message';
import { checkIdempotencyKey, checkMessageRequest } from '../core/message-request';
import { messageView, type MessageView } from '../db/messages';
import type { Pool } from '../db/pool';
import { publicIdOf } from '../db/public-ids';

export interface MessagesApiOptions {
  link: Pick<MessagesLink, 'start'>;
  now?: () => Date | Promise<Date>;
  log?: (message: string) => void;
}

/** The largest valid request: an e-mail of MAX_EMAIL_TEXT (100,000) characters, with room for its JSON. */
const BODY_LIMIT = 256 * 1024;

export function registerMessagesApi(api: FastifyInstance, deps: { pool: Pool }, opts: MessagesApiOptions): void {
  const now = opts.now ?? (() => new Date());
  const log = opts.log ?? (() => {});
  api.post('/v1/messages', { bodyLimit: BODY_LIMIT, config: { scope: 'messages:send' } }, async (req, reply) => {
    if (!/^application\/(.+\+)?json\b/i.test(req.headers['content-type'] ?? '')) return reply.code(415).send({ error: 'send the body as application/json', reason: 'unsupported_media_type' });
    const key = checkIdempotencyKey(req.headers['idempotency-key']);
    if (!key.ok) return reply.code(key.status).send({ error: key.error, reason: key.reason });
    const body = checkMessageRequest(req.body);
    if (!body.ok) return reply.code(body.status).send({ error: body.error, reason: body.reason });

    const r = await acceptMessage({ pool: deps.pool, link: opts.link, now }, req.apiCaller!.key, key.value, body.value);
    switch (r.kind) {
      case 'unprocessable':
        return reply.code(422).send({ error: r.error, reason: r.reason });
      case 'conflict':
        return reply.code(409).send({ error: 'this Idempotency-Key was already used for another message: use a new key for a new message', reason: 'idempotency_key_reused', message_id: r.message.id });
      case 'unavailable':
        log(`message ${r.message.id}: recorded, workflow not started (${r.cause})`);
        return reply.code(503).header('retry-after', '5').send({ error: 'the message is recorded but could not be started: retry with the same Idempotency-Key', reason: 'temporal_unavailable', message_id: r.message.id });
      case 'accepted':
        if (!r.replayed) log(`message ${r.message.id}: ${r.message.channel}${r.message.urgent ? ' urgent' : ''} to contact ${r.message.contactId} accepted (campaign ${r.message.campaignId})`);
        if (r.replayed) reply.header('idempotent-replayed', 'true');
        return reply.code(202).send({ message_id: r.message.id, status: 'accepted' });
    }
  });

  api.get<{ Params: { id: string } }>('/v1/messages/:id', { config: { scope: 'messages:send' } }, async (req, reply) => {
    const id = /^[1-9]\d{0,15}$/.test(req.params.id) ? Number(req.params.id) : NaN;
    const view = Number.isSafeInteger(id) ? await messageView(deps.pool, id, req.apiCaller!.key) : undefined;
    if (!view) return reply.code(404).send({ error: `no message ${JSON.stringify(req.params.id).slice(0, 40)}`, reason: 'unknown_message' });
    return reply.send(present(view, (await publicIdOf(deps.pool, view.contactId)) ?? null));
  });
}

/** The message as the API shows it: ids, the decision with its rule, the ledger and provider status. */
function present(v: MessageView, contactRef: string | null) {
  return {
    message_id: v.id,
    status: statusOf(v),
    contact_id: contactRef,
    channel: v.channel,
    urgent: v.urgent,
    created_at: v.createdAt.toISOString(),
    decision: v.decision && {
      decision: v.decision.kind,
      reason: v.decision.reason,
      rule: v.decision.rule,
      until: v.decision.until?.toISOString() ?? null,
      at: v.decision.at.toISOString(),
      detail: v.decision.detail,
    },
    ledger: v.ledger && {
      state: v.ledger.state,
      provider_id: v.ledger.providerId,
      provider_status: v.ledger.providerStatus,
      error_code: v.ledger.errorCode,
      sent_at: v.ledger.sentAt?.toISOString() ?? null,
      segments: v.ledger.segments,
    },
  };
}

/** One word for where the message stands: accepted (not decided yet), deferred, skipped, or the ledger's state. */
function statusOf(v: MessageView): string {
  if (v.ledger && v.ledger.state !== 'reserved' && v.ledger.state !== 'released') return v.ledger.state;
  if (v.state === 'deferred' || v.state === 'skipped' || v.state === 'failed' || v.state === 'unknown') return v.state;
  return 'accepted';
}

