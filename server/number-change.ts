/**
 * `POST /v1/contacts/:id/number-change` `{"phone": "+8613900139002", "default_country"?: "CN"}`:
 * the customer reports a new number (app, support desk). Opens the contact's recovery case with
 * that number as the candidate and starts its RecoveryWorkflow, which asks the number to confirm
 * (one SMS, in its local daytime) before anything is merged. Answers:
 *   202 the case is started (or was already asking that number);
 *   404 no such contact; 409 the contact was merged already, or a case is asking another number;
 *   422 not a phone number, or a number that cannot be used (another active customer's,
 *       quarantined, opted out), with the reasons; 503 Temporal is unreachable (retry).
 * Behind the API's bearer token (server/api-auth.ts).
 */
import type { FastifyInstance } from 'fastify';
import { reportNumberChange } from '../activities/recovery';
import type { RecoveryLink } from '../client/recovery/lifecycle';
import { maskPhone } from '../core/mask';
import { normalizePhone, type CountryCode } from '../core/phone';
import type { Pool } from '../db/pool';
import { protectApi } from './api-auth';

export interface NumberChangeOptions {
  apiToken: string | undefined;
  recovery: Pick<RecoveryLink, 'start'>;
  now?: () => Date | Promise<Date>;
  log?: (message: string) => void;
}

export function registerNumberChange(app: FastifyInstance, deps: { pool: Pool }, opts: NumberChangeOptions): void {
  const now = opts.now ?? (() => new Date());
  const log = opts.log ?? (() => {});
  app.register(async (api) => {
    protectApi(api, opts.apiToken);
    api.post<{ Params: { id: string } }>('/v1/contacts/:id/number-change', async (req, reply) => {
      const id = /^[1-9]\d{0,15}$/.test(req.params.id) ? Number(req.params.id) : NaN;
      if (!Number.isSafeInteger(id)) return reply.code(404).send({ error: `no contact ${JSON.stringify(req.params.id)}` });
      const body = (req.body ?? {}) as { phone?: unknown; default_country?: unknown };
      if (typeof body.phone !== 'string' || !body.phone.trim()) return reply.code(400).send({ error: 'the body must be {"phone": "<new number>"} (E.164, or national with "default_country")' });
      if (body.default_country !== undefined && (typeof body.default_country !== 'string' || !/^[A-Za-z]{2}$/.test(body.default_country)))
        return reply.code(400).send({ error: '"default_country" must be a two-letter country code' });
      const phone = normalizePhone(body.phone, { defaultCountry: (body.default_country as string | undefined)?.toUpperCase() as CountryCode | undefined });
      if (!phone.ok) return reply.code(422).send({ error: `not a usable phone number: ${phone.message}`, reason: phone.reason });

      const r = await reportNumberChange(deps.pool, id, phone.e164, await now());
      switch (r.kind) {
        case 'no_contact':
          return reply.code(404).send({ error: `no contact ${id}` });
        case 'merged':
          return reply.code(409).send({ error: `contact ${id} was merged into contact ${r.into}: report the change there`, merged_into: r.into });
        case 'busy':
          return reply.code(409).send({ error: `case ${r.case.id} is already ${r.case.state === 'confirmation_sent' ? 'asking' : 'open for'} another number; cancel it first`, case_id: r.case.id, state: r.case.state });
        case 'unusable':
          return reply.code(422).send({ error: 'this number cannot be used for this customer', case_id: r.case.id, excluded: r.excluded });
        case 'matched': {
          let workflowId: string;
          try {
            workflowId = await opts.recovery.start(r.case);
          } catch (err) {
            log(`number change for contact ${id}: case ${r.case.id} recorded, workflow not started (${(err as Error).message.split('\n')[0]})`);
            return reply.code(503).send({ error: 'the case is recorded but its workflow could not be started: retry', case_id: r.case.id });
          }
          log(`number change for contact ${id}: case ${r.case.id} asks ${maskPhone(phone.e164)}`);
          return reply.code(202).send({ case_id: r.case.id, state: r.case.state, workflow_id: workflowId, candidate: maskPhone(phone.e164) });
        }
      }
    });
  });
}
