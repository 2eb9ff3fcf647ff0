/**
 * A contact's data through the JSON API (issue 17 items 3 and 4), each request audited before
 * anything is read (services/privacy.ts), the actor being the token's name:
 *   GET  /v1/contacts/:ref?reason=...          the profile, numbers and addresses masked (scope contacts:read);
 *   GET  /v1/contacts/:ref/export?reason=...   everything held about the person, unmasked (scope privacy);
 *   POST /v1/contacts/:ref/erase {"reason": "..."}  the erasure (scope privacy); 409 while a
 *        changed-number case of the contact is open (its workflow still acts on the number).
 * `:ref` is the contact's reference (ct_...); an unknown one, or an erased contact's, is 404. A
 * missing reason is 400 missing_reason, one naming the person (an e-mail, a phone number) 400
 * personal_data_in_reason (core/privacy/audit.ts reasonProblem).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { reasonProblem } from '../core/privacy/audit';
import type { Pool } from '../db/pool';
import type { ContactProfile } from '../db/contact-profile';
import { contactOfPublicId, publicIdsOf } from '../db/public-ids';
import { ErasureBlocked, erasePerson, exportPersonalData, maskedProfile, readProfile } from '../services/privacy';

const BODY_LIMIT = 2_048;

export function registerPrivacyApi(api: FastifyInstance, deps: { pool: Pool }, opts: { now?: () => Date | Promise<Date> } = {}): void {
  const now = opts.now ?? (() => new Date());
  /** The contact and the reason, or the 404/400 already sent. */
  async function subject(ref: string, reason: unknown, reply: FastifyReply): Promise<{ id: number; reason: string } | undefined> {
    const id = await contactOfPublicId(deps.pool, ref);
    if (id === undefined) {
      await reply.code(404).send({ error: `no contact ${JSON.stringify(ref.slice(0, 40))}: name the contact by its reference (ct_...)`, reason: 'unknown_contact' });
      return undefined;
    }
    const problem = reasonProblem(typeof reason === 'string' ? reason : undefined, 'api');
    if (problem) {
      await reply.code(400).send({ error: `"reason": ${problem.message}`, reason: problem.code });
      return undefined;
    }
    return { id, reason: (reason as string).trim() };
  }
  const actor = (req: { apiCaller: { name: string } | null }) => `api:${req.apiCaller!.name}`;

  api.get<{ Params: { ref: string }; Querystring: { reason?: string } }>('/v1/contacts/:ref', { config: { scope: 'contacts:read' } }, async (req, reply) => {
    const s = await subject(req.params.ref, req.query.reason, reply);
    if (!s) return reply;
    const profile = await readProfile(deps.pool, s.id, { actor: actor(req), reason: s.reason }, 'contact.read');
    if (!profile) return reply.code(404).send({ error: `no contact ${req.params.ref}`, reason: 'unknown_contact' });
    return reply.send(await withoutInternalIds(deps.pool, maskedProfile(profile)));
  });

  api.get<{ Params: { ref: string }; Querystring: { reason?: string } }>('/v1/contacts/:ref/export', { config: { scope: 'privacy' } }, async (req, reply) => {
    const s = await subject(req.params.ref, req.query.reason, reply);
    if (!s) return reply;
    const data = await exportPersonalData(deps.pool, s.id, { actor: actor(req), reason: s.reason }, await now(), 'api');
    if (!data) return reply.code(404).send({ error: `no contact ${req.params.ref}`, reason: 'unknown_contact' });
    return reply.send(data);
  });

  api.post<{ Params: { ref: string } }>('/v1/contacts/:ref/erase', { bodyLimit: BODY_LIMIT, config: { scope: 'privacy' } }, async (req, reply) => {
    const body = (req.body ?? {}) as { reason?: unknown };
    const s = await subject(req.params.ref, body.reason, reply);
    if (!s) return reply;
    let report;
    try {
      report = await erasePerson(deps.pool, s.id, { actor: actor(req), reason: s.reason }, await now(), 'api');
    } catch (err) {
      if (err instanceof ErasureBlocked) return reply.code(409).send({ error: 'a changed-number case of this contact is open: cancel it first, then erase', reason: 'recovery_case_open', case_ids: err.caseIds });
      throw err;
    }
    return reply.send({ erased: true, contacts: report.contacts.length, erased_at: report.erasedAt, rows: report.rows });
  });
}

/**
 * The profile as the API shows it: contacts named by their reference, never by the sequential id
 * (the contact's own `id` left out, the merged contacts' ids replaced by their references).
 */
async function withoutInternalIds(pool: Pool, p: ContactProfile) {
  const { id: _id, identity, ...rest } = p;
  const refs = await publicIdsOf(pool, [...(identity.mergedInto ? [identity.mergedInto.contactId] : []), ...identity.aliases.map((a) => a.contactId)]);
  const refOf = (contactId: number) => refs.get(contactId) ?? null;
  return {
    ...rest,
    identity: {
      mergedInto: identity.mergedInto && { contact: refOf(identity.mergedInto.contactId), caseId: identity.mergedInto.caseId, at: identity.mergedInto.at },
      aliases: identity.aliases.map(({ contactId, ...a }) => ({ contact: refOf(contactId), ...a })),
    },
  };
}
