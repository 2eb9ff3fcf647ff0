/**
 * `POST /v1/contacts/:ref/number-change` `{"phone": "+8613900139002", "default_country"?: "CN"}`:
 * the customer reports a new number (app, support desk). `:ref` is the contact's public reference
 * (`ct_...`, contacts.public_id), never the sequential id: references cannot be guessed or walked.
 * Opens the contact's recovery case with that number as the candidate and starts its
 * RecoveryWorkflow, which asks the number to confirm (one SMS, in its local daytime) before
 * anything is merged; when the current number is still reachable it is told at once, and where
 * the contact policy says so (consent.numberChange) its YES is needed too: a NO cancels the change.
 * Answers:
 *   202 the case is started (or was already asking that number);
 *   404 no contact has this reference (malformed, a sequential id, unknown: the same answer);
 *   409 the contact was merged already, or a case is asking another number;
 *   422 not a phone number, or a number that cannot be used (another active customer's,
 *       quarantined, opted out), with the reasons; 503 Temporal is unreachable (retry).
 * Scope contacts:write (server/api.ts); bodies over 1 KB get 413.
 */
import type { FastifyInstance } from 'fastify';
import { reportNumberChange } from '../services/number-change';
import type { RecoveryLink } from '../services/recovery-lifecycle';
import { maskPhone } from '../core/mask';
import { normalizePhone, type CountryCode } from '../core/phone';
import type { Pool } from '../db/pool';
import { contactOfPublicId, publicIdOf } from '../db/public-ids';

export interface NumberChangeOptions {
  recovery: Pick<RecoveryLink, 'start'>;
  now?: () => Date | Promise<Date>;
  log?: (message: string) => void;
}

/** A phone number and a country code fit in far less; nothing bigger is read. */
const BODY_LIMIT = 1_024;

export function registerNumberChange(api: FastifyInstance, deps: { pool: Pool }, opts: NumberChangeOptions): void {
  const now = opts.now ?? (() => new Date());
  const log = opts.log ?? (() => {});
  api.post<{ Params: { ref: string } }>('/v1/contacts/:ref/number-change', { bodyLimit: BODY_LIMIT, config: { scope: 'contacts:write' } }, async (req, reply) => {
    if (!/^application\/(.+\+)?json\b/i.test(req.headers['content-type'] ?? '')) return reply.code(415).send({ error: 'send the body as application/json', reason: 'unsupported_media_type' });
    const ref = req.params.ref;
    const id = await contactOfPublicId(deps.pool, ref);
    if (id === undefined) return reply.code(404).send({ error: `no contact ${JSON.stringify(ref.slice(0, 40))}: name the contact by its reference (ct_..., shown by \`reachloop contact show\`)`, reason: 'unknown_contact' });
    const body = (req.body ?? {}) as { phone?: unknown; default_country?: unknown };
    if (typeof body.phone !== 'string' || !body.phone.trim()) return reply.code(400).send({ error: 'the body must be {"phone": "<new number>"} (E.164, or national with "default_country")', reason: 'missing_phone' });
    if (body.default_country !== undefined && (typeof body.default_country !== 'string' || !/^[A-Za-z]{2}$/.test(body.default_country)))
      return reply.code(400).send({ error: '"default_country" must be a two-letter country code', reason: 'bad_default_country' });
    const phone = normalizePhone(body.phone, { defaultCountry: (body.default_country as string | undefined)?.toUpperCase() as CountryCode | undefined });
    if (!phone.ok) return reply.code(422).send({ error: `not a usable phone number: ${phone.message}`, reason: phone.reason });

    const r = await reportNumberChange(deps.pool, id, phone.e164, await now());
    switch (r.kind) {
      case 'no_contact':
        return reply.code(404).send({ error: `no contact ${ref}`, reason: 'unknown_contact' });
      case 'merged': {
        const into = await publicIdOf(deps.pool, r.into);
        if (into === undefined) return reply.code(404).send({ error: `no contact ${ref}`, reason: 'unknown_contact' }); // merged into a contact since erased
        return reply.code(409).send({ error: `contact ${ref} was merged into contact ${into}: report the change there`, reason: 'merged', merged_into: into });
      }
      case 'erased':
        return reply.code(409).send({ error: `contact ${ref} was erased (a data subject request) or holds an erased person's number or address: nothing is sent to it`, reason: 'contact_erased' });
      case 'busy':
        return reply.code(409).send({ error: `case ${r.case.id} is already ${r.case.state === 'confirmation_sent' ? 'asking' : 'open for'} another number; cancel it first`, reason: 'case_open', case_id: r.case.id, state: r.case.state });
      case 'unusable':
        return reply.code(422).send({ error: 'this number cannot be used for this customer', reason: 'unusable_number', case_id: r.case.id, excluded: r.excluded });
      case 'matched': {
        try {
          await opts.recovery.start(r.case);
        } catch (err) {
          log(`number change for contact ${id}: case ${r.case.id} recorded, workflow not started (${(err as Error).message.split('\n')[0]})`);
          return reply.code(503).send({ error: 'the case is recorded but its workflow could not be started: retry', reason: 'temporal_unavailable', case_id: r.case.id });
        }
        log(`number change for contact ${id}: case ${r.case.id} (workflow recovery-${id}) asks ${maskPhone(phone.e164)}${r.case.currentCheck ? ` (current number told: ${r.case.currentCheck})` : ''}`);
        return reply.code(202).send({ case_id: r.case.id, state: r.case.state, candidate: maskPhone(phone.e164), current_number: r.case.currentCheck ?? 'not_reachable' });
      }
    }
  });
}
