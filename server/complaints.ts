/**
 * E-mail complaint webhooks, both behind `Authorization: Bearer <COMPLAINT_WEBHOOK_TOKEN>` (unset
 * = every request gets 401), so nobody can mark arbitrary contacts:
 *   POST /webhooks/email/arf        an abuse feedback report (RFC 5965) as the raw message
 *                                   (message/rfc822, or the report itself as multipart/report;
 *                                   text/plain is read as the raw message too)
 *   POST /webhooks/email/complaint  a provider's spam report as JSON: one object or an array of
 *                                   at most 100, each {"email", "message_id", "event"?, "timestamp"?}
 * Answers: 200 recorded / replayed (a report seen before changes nothing) / ignored (not an abuse
 * report); 207 some items failed; 400 a body that is no report; 422 a report that names no
 * message of ours, or another recipient than the one it went to.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { ComplaintDeps } from '../services/complaints';
import { reportEmailComplaint, type EmailComplaintResult } from '../services/email-complaints';
import { parseArf } from '../core/arf';
import { CURRENT_SCORE_POLICY, type ScorePolicy } from '../core/score-policy';
import type { Pool } from '../db/pool';
import { protectApi } from './api-auth';

export interface ComplaintWebhookOptions {
  /** COMPLAINT_WEBHOOK_TOKEN; undefined = closed. */
  token: string | undefined;
  policy?: ScorePolicy;
  now?: () => Date | Promise<Date>;
  log?: (message: string) => void;
}

export const ARF_PATH = '/webhooks/email/arf';
export const COMPLAINT_PATH = '/webhooks/email/complaint';

const BODY_LIMIT = 1024 * 1024;
const MAX_ITEMS = 100;
/** Provider event names that are complaints (SendGrid spamreport, SES/Postmark complaint, abuse). */
const COMPLAINT_EVENTS = ['spamreport', 'spam_report', 'complaint', 'abuse'] as const;

const item = z.object({
  email: z.string().min(3).max(320),
  message_id: z.string().min(3).max(998),
  event: z.string().optional(),
  /** Unix seconds (SendGrid) or an ISO 8601 instant. */
  timestamp: z.union([z.number().int().positive(), z.iso.datetime({ offset: true })]).optional(),
  provider: z.string().max(64).optional(),
});

const statusOf = (r: EmailComplaintResult) => (r.result === 'recorded' || r.result === 'replayed' ? 200 : 422);
const view = (r: EmailComplaintResult) => {
  if (r.result === 'recorded') return { result: r.result, complaints: r.complaints, blocked: r.blocked };
  if (r.result === 'not_ours' || r.result === 'recipient_mismatch') return { result: r.result, error: r.reason };
  if (r.result === 'no_contact') return { result: r.result, error: 'the contact of this message no longer exists' };
  return { result: r.result };
};

/** `serverLog` hears the 500s of these routes (server/errors.ts). */
export function registerComplaintWebhooks(app: FastifyInstance, deps: { pool: Pool }, opts: ComplaintWebhookOptions, serverLog: (message: string) => void): void {
  const log = opts.log ?? (() => {});
  const complaintDeps: ComplaintDeps = { pool: deps.pool, policy: opts.policy ?? CURRENT_SCORE_POLICY, now: opts.now ?? (() => new Date()), log };

  app.register(async (api) => {
    protectApi(api, opts.token, (e) => (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? `the body is larger than ${BODY_LIMIT} bytes` : e.message), 'COMPLAINT_WEBHOOK_TOKEN', serverLog);
    api.addContentTypeParser(/^(message\/rfc822|multipart\/report)\b/i, { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));

    api.post(ARF_PATH, { bodyLimit: BODY_LIMIT }, async (req, reply: FastifyReply) => {
      if (typeof req.body !== 'string') return reply.code(415).send({ error: 'send the report as message/rfc822 (or multipart/report, text/plain)' });
      const type = req.headers['content-type'] ?? '';
      // Posted as the report's own body: its Content-Type travels in the HTTP header.
      const raw = /^multipart\/report/i.test(type) ? `Content-Type: ${type}\r\n\r\n${req.body}` : req.body;
      const parsed = parseArf(raw);
      if (!parsed.ok) return reply.code(400).send({ error: `not an ARF feedback report: ${parsed.reason}` });
      const report = parsed.report;
      if (report.feedbackType !== 'abuse') {
        log(`ARF report of type ${report.feedbackType}: not a complaint, ignored`);
        return reply.code(200).send({ result: 'ignored', feedback_type: report.feedbackType });
      }
      const messageId = report.original?.messageId;
      if (!messageId) return reply.code(422).send({ result: 'not_ours', error: 'the report includes no Message-ID of the reported message' });
      const arrival = report.arrivalDate ? new Date(report.arrivalDate) : null;
      const r = await reportEmailComplaint(complaintDeps, {
        messageId,
        recipient: report.originalRcptTo ?? report.original?.to ?? null,
        source: 'arf',
        at: arrival,
        details: { feedbackType: report.feedbackType, userAgent: report.userAgent, version: report.version, arrivalDate: report.arrivalDate, sourceIp: report.sourceIp, reportedDomain: report.reportedDomain },
      });
      return reply.code(statusOf(r)).send(view(r));
    });

    api.post(COMPLAINT_PATH, { bodyLimit: BODY_LIMIT }, async (req, reply: FastifyReply) => {
      if (!/^application\/(.+\+)?json\b/i.test(req.headers['content-type'] ?? '')) return reply.code(415).send({ error: 'send the body as application/json' });
      const body = req.body as unknown;
      const items = Array.isArray(body) ? body : [body];
      if (items.length === 0) return reply.code(400).send({ error: 'the body is an empty array' });
      if (items.length > MAX_ITEMS) return reply.code(413).send({ error: `at most ${MAX_ITEMS} reports per request (got ${items.length})` });
      const results: Array<{ status: number; body: Record<string, unknown> }> = [];
      for (const raw of items) {
        const p = item.safeParse(raw);
        if (!p.success) {
          results.push({ status: 400, body: { result: 'invalid', error: p.error.issues.map((i) => `${i.path.join('.') || '(item)'}: ${i.message}`).join('; ') } });
          continue;
        }
        const ev = p.data.event?.toLowerCase();
        if (ev !== undefined && !(COMPLAINT_EVENTS as readonly string[]).includes(ev)) {
          results.push({ status: 200, body: { result: 'ignored', event: ev } });
          continue;
        }
        const t = p.data.timestamp;
        const r = await reportEmailComplaint(complaintDeps, {
          messageId: p.data.message_id,
          recipient: p.data.email,
          source: 'provider_webhook',
          at: t === undefined ? null : new Date(typeof t === 'number' ? t * 1000 : t),
          details: { event: ev ?? 'complaint', provider: p.data.provider ?? null, timestamp: t ?? null },
        });
        results.push({ status: statusOf(r), body: view(r) });
      }
      if (!Array.isArray(body)) return reply.code(results[0]!.status).send(results[0]!.body);
      const failed = results.filter((r) => r.status >= 400).length;
      const status = failed === 0 ? 200 : failed === results.length ? (results.every((r) => r.status === 400) ? 400 : 422) : 207;
      return reply.code(status).send({ results: results.map((r, index) => ({ index, ...r.body })) });
    });
  });
}
