/**
 * Unsubscribe links (channels/unsubscribe-link.ts tokens), at /unsubscribe/:token and the short
 * /u/:token:
 *   GET   a confirmation page with one button; it changes nothing (mail scanners prefetch links)
 *   POST  RFC 8058 one-click (the mailbox provider POSTs `List-Unsubscribe=One-Click`), or the
 *         page's button: verifies the signed token and writes the opt-out suppression for the
 *         channel the token names, effective for the next send decision.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { applyUnsubscribeLink } from '../services/inbound';
import { verifyUnsubscribeToken, type UnsubscribeClaims } from '../channels/unsubscribe-link';
import { CURRENT_SCORE_POLICY, type ScorePolicy } from '../core/score-policy';
import type { Pool } from '../db/pool';

export interface UnsubscribeOptions {
  /** Secrets that verify tokens (the first signs; others are accepted during a rotation). */
  secret: string | readonly string[];
  policy?: ScorePolicy;
  now?: () => Date | Promise<Date>;
  log?: (message: string) => void;
}

const CHANNEL_NAME: Record<UnsubscribeClaims['channel'], string> = { email: 'e-mail', sms: 'text messages', all: 'all messages' };

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${title}</title></head>` +
  `<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem"><h1 style="font-size:1.4rem">${title}</h1>${body}</body></html>`;

type TokenReq = FastifyRequest<{ Params: { token: string } }>;

export function registerUnsubscribe(app: FastifyInstance, deps: { pool: Pool }, opts: UnsubscribeOptions): void {
  const now = opts.now ?? (() => new Date());
  const log = opts.log ?? (() => {});
  const inboundDeps = { pool: deps.pool, policy: opts.policy ?? CURRENT_SCORE_POLICY, now, log };

  const check = async (req: TokenReq, reply: FastifyReply): Promise<UnsubscribeClaims | null> => {
    const v = verifyUnsubscribeToken(req.params.token, opts.secret, await now());
    if (v.ok) return v.claims;
    log(`unsubscribe link rejected: ${v.reason}`);
    const expired = v.reason === 'expired';
    void reply
      .code(expired ? 410 : 400)
      .type('text/html; charset=utf-8')
      .send(page(expired ? 'This link has expired' : 'This link is not valid', '<p>Use the unsubscribe link in a more recent message, or reply STOP to a text message.</p>'));
    return null;
  };

  const show = async (req: TokenReq, reply: FastifyReply) => {
    const claims = await check(req, reply);
    if (!claims) return reply;
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(
        page(
          `Unsubscribe from ${CHANNEL_NAME[claims.channel]}?`,
          `<form method="post"><input type="hidden" name="confirm" value="yes"><button type="submit" style="font-size:1rem;padding:.5rem 1rem">Unsubscribe</button></form>`,
        ),
      );
  };

  const unsubscribe = async (req: TokenReq, reply: FastifyReply) => {
    const claims = await check(req, reply);
    if (!claims) return reply;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const method = body['List-Unsubscribe'] === 'One-Click' ? 'one_click' : 'form';
    const contactId = Number(claims.contactId);
    const r = Number.isSafeInteger(contactId) ? await applyUnsubscribeLink(inboundDeps, { contactId, channel: claims.channel, campaignId: claims.campaignId, method }) : { ok: false };
    if (!r.ok) {
      log(`unsubscribe link for unknown contact ${claims.contactId}`);
      return reply.code(404).type('text/html; charset=utf-8').send(page('Nothing to unsubscribe', '<p>We have no record of this address any more.</p>'));
    }
    log(`unsubscribed contact ${contactId} from ${claims.channel} (${method}, campaign ${claims.campaignId})`);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page('You are unsubscribed', `<p>You will receive no more ${CHANNEL_NAME[claims.channel]} from us.</p>`));
  };

  app.register(async (scope) => {
    // RFC 8058 allows the one-click POST as multipart/form-data too.
    scope.addContentTypeParser('multipart/form-data', { parseAs: 'string' }, (_req, raw, done) =>
      done(null, /name="List-Unsubscribe"\s*\r?\n\r?\n\s*One-Click/.test(String(raw)) ? { 'List-Unsubscribe': 'One-Click' } : {}),
    );
    for (const prefix of ['/unsubscribe', '/u']) {
      scope.get(`${prefix}/:token`, show);
      scope.post(`${prefix}/:token`, unsubscribe);
    }
  });
}
