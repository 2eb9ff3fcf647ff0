/**
 * Short tracked links of SMS campaigns (core/links.ts): GET /l/:code answers 302 to the URL stored
 * for the code and records a `link_click` event for its contact through the events ingestion (so
 * activity, score and tier move as for any click). Only stored URLs are redirected to: an unknown
 * or malformed code gets a 404 page, never a redirect to something taken from the request.
 *
 * Not every fetch is a person: HEAD requests (link checkers) and link previews or scanners
 * (core/links.ts isAutomatedFetch) are redirected without being counted. Taps within ten seconds
 * of each other are one click (the event id carries a time bucket); later taps each count.
 * Should recording fail, the person is still redirected and the failure logged.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ingestEvents } from '../services/events';
import { DEFAULT_RULES } from '../core/events';
import { clickEventId, isAutomatedFetch, isLinkCode, LINK_PATH } from '../core/links';
import { CURRENT_SCORE_POLICY, type ScorePolicy } from '../core/score-policy';
import { countClick, findLink, type StoredLink } from '../db/links';
import type { Pool } from '../db/pool';

export interface LinkOptions {
  policy?: ScorePolicy;
  now?: () => Date | Promise<Date>;
  log?: (message: string) => void;
}

type Opts = LinkOptions | undefined;

const notFound = (reply: FastifyReply) =>
  reply
    .code(404)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>Link not found</title></head>' +
        '<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem"><h1 style="font-size:1.4rem">This link is not valid</h1><p>Check that the whole link from the message was opened.</p></body></html>',
    );

/**
 * Registers GET (and HEAD) /l/:code. Clock, score policy and log come from `deps.links`, else from
 * the server's other public routes (unsubscribe links, Twilio webhooks), else the defaults.
 */
export function registerLinks(app: FastifyInstance, deps: { pool: Pool; links?: Opts; unsubscribe?: Opts; twilio?: Opts }): void {
  const pick = <K extends keyof LinkOptions>(k: K): LinkOptions[K] => deps.links?.[k] ?? deps.unsubscribe?.[k] ?? deps.twilio?.[k];
  const now = pick('now') ?? (() => new Date());
  const log = pick('log') ?? (() => {});
  const eventDeps = { pool: deps.pool, policy: pick('policy') ?? CURRENT_SCORE_POLICY, now };

  const recordClick = async (link: StoredLink, at: Date) => {
    const raw = {
      event_id: clickEventId(link.code, at),
      event: 'link_click',
      contact_id: link.contactId,
      occurred_at: at.toISOString(),
      properties: { url: link.url, code: link.code, ...(link.campaignId === null ? {} : { campaign: String(link.campaignId) }) },
    };
    let counted = false;
    await ingestEvents(eventDeps, [{ key: 0, raw }], {
      rules: DEFAULT_RULES,
      defaultCountry: undefined,
      defaultSource: 'tracked_link',
      importId: null,
      publicApi: false,
      onCommit: async (client, results) => {
        if (results[0]?.status !== 'stored') return; // a double tap, or the contact is gone
        await countClick(client, link.code, at);
        counted = true;
      },
    });
    return counted;
  };

  app.route({
    method: ['GET', 'HEAD'],
    url: `${LINK_PATH}:code`,
    handler: async (req: FastifyRequest<{ Params: { code: string } }>, reply) => {
      const { code } = req.params;
      const link = isLinkCode(code) ? await findLink(deps.pool, code) : undefined;
      if (!link || !/^https?:\/\//i.test(link.url)) return notFound(reply);
      if (req.method === 'GET' && !isAutomatedFetch(req.headers['user-agent'])) {
        try {
          const counted = await recordClick(link, await now());
          if (counted) log(`link ${code} clicked (contact ${link.contactId}, campaign ${link.campaignId ?? '-'})`);
        } catch (err) {
          log(`link ${code}: click not recorded (${(err as Error).message.split('\n')[0]})`);
        }
      }
      // no-store: every tap comes back here; no-referrer: the target does not learn the code.
      return reply.code(302).header('location', link.url).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').send();
    },
  });
}
