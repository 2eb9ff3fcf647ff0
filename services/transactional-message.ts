/**
 * The transactional lane's single message (`POST /v1/messages`), as a use case: one request under
 * an idempotency key becomes one one-recipient transactional campaign, run by the ordinary
 * campaignWorkflow (the contact policy's decision, the exactly-once ledger, the feedback loop)
 * under a random workflow id stored with the key. The same key again answers the first message and
 * starts nothing; the same key with another body is a conflict. The text stays in PostgreSQL (the
 * campaign's definition): the workflow carries the campaign id only.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { lazyClient } from '../infra/temporal';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { CampaignDefinitionError, parseCampaign } from '../core/campaign/definition';
import { canonicalRequest, messageCampaign, messageCampaignName, type MessageRequest } from '../core/message-request';
import type { DataCodec } from '../infra/data-codec';
import { dataCodec } from '../infra/data-keys';
import { createOrFindMessage, findCallerlessMessageByKey, findMessageByKey, findMessageContact, markMessageStarted, type MessageRow } from '../db/messages';
import { publicIdOf } from '../db/public-ids';
import type { Pool } from '../db/pool';
import { messageWorkflowId } from '../workflows/ids';
import type { CampaignInput } from '../workflows/messages/campaign';
import { campaignWorkflow } from '../workflows/campaign';

/**
 * The stored hashes of a message: keyed lookup hashes (never a bare SHA-256, which anyone could
 * recompute for every number of a country until one matched the body's `phone`, or a key made of
 * a number or an e-mail). `callerlessKeyHash` finds a message written before callers (its key
 * hashed alone). Being lookup hashes, `keys rotate-lookup` re-hashes the stored ones, so a replay
 * after a rotation still matches.
 */
export function messageHashes(codec: DataCodec, caller: string, key: string, req: MessageRequest): { keyHash: string; callerlessKeyHash: string; bodyHash: string } {
  return { keyHash: codec.lookupHash(`${caller}\n${key}`), callerlessKeyHash: codec.lookupHash(key), bodyHash: codec.lookupHash(canonicalRequest(req)) };
}

/** What the HTTP edge needs of Temporal for messages: start a message's workflow. */
export interface MessagesLink {
  /** Starts the campaign workflow of a message; a workflow already started under its id is left be. */
  start(m: MessageRow): Promise<void>;
  close(): Promise<void>;
}

/** A MessagesLink over a Temporal client connected on first use (a failed connection is retried next time). */
export function messagesLink(connect: () => Promise<Client>, opts: { taskQueue: string }): MessagesLink {
  const { get, close } = lazyClient(connect);
  return {
    async start(m) {
      const c = await get();
      try {
        await c.workflow.start(campaignWorkflow, {
          taskQueue: opts.taskQueue,
          workflowId: m.workflowId,
          // Never a second run under the key's id, even once the first has completed.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          args: [{ campaignId: m.campaignId, lanes: 1, batchSize: 1 } satisfies CampaignInput],
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    },
    close,
  };
}

export type AcceptResult =
  | { kind: 'accepted'; message: MessageRow; replayed: boolean }
  | { kind: 'conflict'; message: MessageRow }
  | { kind: 'unprocessable'; reason: string; error: string }
  /** Recorded, but its workflow could not be started (Temporal unreachable): the same key again retries. */
  | { kind: 'unavailable'; message: MessageRow; cause: string };

export interface MessageDeps {
  pool: Pool;
  link: Pick<MessagesLink, 'start'>;
  now: () => Date | Promise<Date>;
}

/** Accepts one message under its idempotency key (see the module's comment). */
export async function acceptMessage(deps: MessageDeps, caller: string, key: string, req: MessageRequest): Promise<AcceptResult> {
  // The key is the caller's own: another token's same key is another message (and workflow).
  const { keyHash, callerlessKeyHash, bodyHash } = messageHashes(dataCodec(), caller, key, req);
  const before = (await findMessageByKey(deps.pool, keyHash)) ?? (await findCallerlessMessageByKey(deps.pool, callerlessKeyHash));
  if (before) return settle(deps, before, bodyHash, true);

  const contact = await findMessageContact(deps.pool, req.target);
  const unknown = { kind: 'unprocessable' as const, reason: 'unknown_contact', error: 'contactRef' in req.target ? `no contact ${req.target.contactRef}` : 'no contact has this phone number' };
  if (!contact) return unknown;
  if (contact.mergedInto !== null) {
    const into = await publicIdOf(deps.pool, contact.mergedInto);
    if (into === undefined) return unknown; // merged into a contact since erased
    return { kind: 'unprocessable', reason: 'contact_merged', error: `this contact was merged into contact ${into} (a changed number): send to that one` };
  }
  if (req.channel === 'email' && !contact.hasEmail) return { kind: 'unprocessable', reason: 'no_email', error: 'this contact has no e-mail address' };

  const nonce = randomUUID();
  let definition;
  try {
    definition = parseCampaign(messageCampaign(req, contact.id, messageCampaignName(nonce)));
  } catch (err) {
    if (!(err instanceof CampaignDefinitionError)) throw err;
    return { kind: 'unprocessable', reason: 'bad_text', error: err.problems.map((p) => p.replace(/^templates\.sms\.en/, 'text').replace(/^templates\.email\.en\.(\w+)/, '$1')).join('; ') };
  }
  const { created, message } = await createOrFindMessage(deps.pool, { caller, keyHash, bodyHash, contactId: contact.id, channel: req.channel, urgent: req.urgent, workflowId: messageWorkflowId(nonce), definition });
  return settle(deps, message, bodyHash, !created);
}

/** The answer for a message of this key: a conflict for another body, else started (once) and accepted. */
async function settle(deps: MessageDeps, message: MessageRow, bodyHash: string, replayed: boolean): Promise<AcceptResult> {
  if (message.bodyHash !== bodyHash) return { kind: 'conflict', message };
  if (message.startedAt === null) {
    try {
      await deps.link.start(message);
    } catch (err) {
      return { kind: 'unavailable', message, cause: (err as Error).message.split('\n')[0] ?? 'unknown' };
    }
    await markMessageStarted(deps.pool, message, await deps.now());
  }
  return { kind: 'accepted', message, replayed };
}
