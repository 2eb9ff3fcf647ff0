/**
 * Twilio webhooks:
 *   POST /webhooks/twilio/status    status callbacks (MessageStatus, ErrorCode; ?ledgerId= in the URL)
 *   POST /webhooks/twilio/inbound   inbound messages (STOP / START / HELP / replies)
 * Each request is verified with X-Twilio-Signature against the auth token Twilio signs with and
 * the public URL Twilio called (PUBLIC_BASE_URL + path + query, byte for byte). Forged or
 * tampered requests get 403 and a log line (numbers masked). A replay of a request already
 * processed (same MessageSid, status and signature) gets 200 and changes nothing. Status
 * callbacks are applied in batches (server/batcher.ts); inbound messages one by one, answered
 * with TwiML (the auto-reply for HELP, STOP and START).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { applyStatusCallbacks, type StatusCallback, type StatusCallbackResult } from '../services/status-callbacks';
import { applyInboundSms } from '../services/inbound';
import { parseErrorCode, parseMessageStatus } from '../core/delivery-outcome';
import { maskPhone } from '../core/mask';
import { storableText } from '../core/text';
import { CURRENT_SCORE_POLICY, type ScorePolicy } from '../core/score-policy';
import type { Pool } from '../db/pool';
import type { RecoveryLink } from '../services/recovery-lifecycle';
import { passRecoveryAnswer, pendingRecoveryCase } from './recovery-answers';
import { createBatcher } from './batcher';
import { replayKey, verifyTwilioRequest, type TwilioParams } from './twilio-signature';

export interface TwilioWebhookOptions {
  /** The public base URL Twilio calls (PUBLIC_BASE_URL): signatures cover the full public URL. */
  publicBaseUrl: string;
  /**
   * The auth token Twilio signs with: TWILIO_AUTH_TOKEN, or the local sandbox's (read when a request
   * arrives, so a `reachloop serve` follows a worker that restarted its sandbox). undefined = 503.
   */
  authToken: () => string | undefined;
  /** Auto-reply brand prefix and HELP contact. */
  brand?: string;
  /**
   * 'twilio': the Messaging Service answers its own keywords (Twilio's default replies or Advanced
   * Opt-Out), so a message Twilio's filter took as one (STOP, START, HELP as documented) gets no
   * second reply from us; anything else ("please stop texting me", 退订) still gets ours.
   * Default 'reachloop': we answer every keyword.
   */
  keywordReplies?: 'twilio' | 'reachloop';
  helpContact?: string;
  policy?: ScorePolicy;
  now?: () => Date | Promise<Date>;
  log?: (message: string) => void;
}

export const STATUS_PATH = '/webhooks/twilio/status';
export const INBOUND_PATH = '/webhooks/twilio/inbound';

const TWIML = 'text/xml; charset=utf-8';
const emptyTwiml = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
const xmlEscape = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
export const twimlMessage = (text: string) => `<?xml version="1.0" encoding="UTF-8"?><Response><Message>${xmlEscape(text)}</Message></Response>`;

/** The first value of a parameter, as PostgreSQL can store it (a NUL byte removed: "STOP\\0" is a STOP). */
const first = (v: string | readonly string[] | undefined) => (v === undefined ? undefined : storableText(typeof v === 'string' ? v : (v[0] ?? '')).text);
const masked = (v: string | readonly string[] | undefined) => {
  const s = first(v);
  return s ? (/^\+?\d{6,}$/.test(s) ? maskPhone(s) : '(not a number)') : '-';
};

/**
 * `deps.recovery`: changed-number recovery through Temporal. An answer from a number with a
 * confirmation pending is passed to its case's workflow (and read in that context: YES confirms,
 * it does not opt in). Absent: inbound messages are only keywords and replies.
 */
export function registerTwilioWebhooks(app: FastifyInstance, deps: { pool: Pool; recovery?: Pick<RecoveryLink, 'signalReply' | 'signalCurrentReply'> }, opts: TwilioWebhookOptions): void {
  const log = opts.log ?? (() => {});
  const feedbackDeps = { pool: deps.pool, policy: opts.policy ?? CURRENT_SCORE_POLICY, now: opts.now ?? (() => new Date()), log };
  const base = opts.publicBaseUrl.replace(/\/+$/, '');
  const statuses = createBatcher<StatusCallback, StatusCallbackResult>((items) => applyStatusCallbacks(feedbackDeps, items), { maxBatch: 500, concurrency: 4 });
  app.addHook('onClose', async () => statuses.drain());

  /** Verifies the signature; answers the request itself (403/503) and returns null when it fails. */
  const verified = (req: FastifyRequest, reply: FastifyReply, what: string): { params: TwilioParams; signature: string } | null => {
    const token = opts.authToken();
    const params = (req.body ?? {}) as TwilioParams;
    if (!token) {
      log(`${what}: no Twilio auth token available (SMS_PROVIDER=sandbox without a running sandbox?): 503`);
      void reply.code(503).send({ error: 'webhook verification unavailable' });
      return null;
    }
    const signature = req.headers['x-twilio-signature'];
    const check = verifyTwilioRequest({ authToken: token, url: `${base}${req.url}`, params, signature });
    if (!check.ok) {
      log(
        `rejected ${what}: ${check.reason} (MessageSid ${first(params.MessageSid) ?? '-'}, From ${masked(params.From)}, To ${masked(params.To)}, ip ${req.ip}): 403`,
      );
      void reply.code(403).send({ error: 'invalid signature' });
      return null;
    }
    return { params, signature: signature as string };
  };

  app.post(STATUS_PATH, async (req, reply) => {
    const v = verified(req, reply, 'status callback');
    if (!v) return reply;
    const key = replayKey(v.params, v.signature);
    const status = parseMessageStatus(first(v.params.MessageStatus) ?? first(v.params.SmsStatus));
    const sid = first(v.params.MessageSid) ?? first(v.params.SmsSid);
    if (!key || !sid) return reply.code(400).send({ error: 'MessageSid is required' });
    if (!status) {
      // Signed by Twilio, so not an attack: a status this version does not know. 200 so it is not retried.
      log(`status callback ${sid}: unknown status ${JSON.stringify(first(v.params.MessageStatus) ?? '')}: ignored`);
      return reply.code(200).send();
    }
    const ledgerId = (req.query as Record<string, string | undefined>).ledgerId ?? null;
    const result = await statuses.submit({ replayKey: key, messageSid: sid, status, errorCode: parseErrorCode(first(v.params.ErrorCode)), ledgerId });
    if (result === 'replayed') log(`status callback ${sid} ${status}: replayed request, not applied again`);
    return reply.code(200).header('content-type', 'text/plain; charset=utf-8').send(result);
  });

  app.post(INBOUND_PATH, async (req, reply) => {
    const v = verified(req, reply, 'inbound message');
    if (!v) return reply;
    const key = replayKey(v.params, v.signature);
    const sid = first(v.params.MessageSid) ?? first(v.params.SmsMessageSid) ?? first(v.params.SmsSid);
    const from = first(v.params.From);
    if (!key || !sid || !from) return reply.code(400).send({ error: 'MessageSid and From are required' });
    const body = first(v.params.Body) ?? '';
    // The workflow hears the answer first: if that fails, Twilio retries and nothing was stored
    // yet; a repeated answer is ignored by the workflow, so a retry or replay is harmless.
    const pending = await pendingRecoveryCase(deps.pool, from, !!deps.recovery);
    if (pending && deps.recovery) {
      try {
        const { answer, outcome: r } = await passRecoveryAnswer(deps.pool, deps.recovery, pending, body, sid, await feedbackDeps.now());
        const who = pending.party === 'current' ? 'current-number answer' : 'recovery answer';
        log(`${who} "${answer}" from ${maskPhone(from)} for case ${pending.caseId}: ${r === 'signalled' ? 'passed to its workflow' : r === 'ignored' ? 'not an answer' : 'no workflow runs for it'}`);
      } catch (err) {
        log(`recovery answer from ${maskPhone(from)} for case ${pending.caseId} not delivered (${(err as Error).message.split('\n')[0]}): 503, Twilio retries`);
        return reply.code(503).send({ error: 'recovery workflow unreachable, retry' });
      }
    }
    const r = await applyInboundSms(feedbackDeps, { replayKey: key, messageSid: sid, from, to: first(v.params.To) ?? '', body }, {
      ...(opts.brand ? { brand: opts.brand } : {}),
      ...(opts.helpContact ? { helpContact: opts.helpContact } : {}),
      context: pending ? 'recovery_confirmation' : 'default',
    });
    if (r.replayed) log(`inbound ${sid} from ${maskPhone(from)}: replayed request, not applied again`);
    else if (r.kind !== 'other') log(`inbound ${r.kind} from ${maskPhone(from)} (contact ${r.contactId ?? 'none'}, ${r.classification.basis}: ${r.classification.reason})`);
    const twilioAnswered = opts.keywordReplies === 'twilio' && r.classification.twilioDefaultFilter === 'blocks';
    return reply.code(200).header('content-type', TWIML).send(r.reply && !r.replayed && !twilioAnswered ? twimlMessage(r.reply) : emptyTwiml);
  });
}
