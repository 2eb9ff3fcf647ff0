import { Context } from '@temporalio/activity';
import type { CampaignDefinition } from '../core/campaign/definition';
import { maskPhone } from '../core/mask';
import type { SmsSender } from '../channels/sms';
import { markSending, recordResults, returnUnsent, type LedgerResult, type LedgerRow } from '../db/ledger';
import { insertLinks, type LinkRecord } from '../db/links';
import type { RecipientRecord } from '../db/recipients';
import type { CampaignDeps } from './campaign';
import { note, type Batch, type ToSend } from './dispatch';
import { applySendRefusals } from '../services/feedback';
import { buildEmail, buildSms, type BuiltEmail, type BuiltSms, type LinkContext } from '../services/messages';
import { createPacer } from '../services/pacing';
import { sendWhileLeased, type SendAttempt } from './send-attempt';

/** Provider calls in flight per batch (the campaign benchmark's floor uses lanes x this). */
export const SEND_CONCURRENCY = 32;
const HEARTBEAT_EVERY_MS = 1_000;

/**
 * 4. Send: the messages are built first, so that their tracked links are stored (one statement
 * for the batch) and the ledger says 'sending' before any provider call; then the provider calls,
 * paced at the lane's rate, under the attempt's lease.
 */
export async function sendBatch(b: Batch, toSend: readonly ToSend[], attempt: SendAttempt): Promise<void> {
  const { deps, input, at } = b;
  const { def } = b.step;
  const built = new Map<string, BuiltSms | BuiltEmail>();
  const links: LinkRecord[] = [];
  for (const { row, record } of toSend) {
    const message =
      row.channel === 'sms'
        ? buildSms(def, record, b.linking)
        : buildEmail(def, record, row.id, { publicBaseUrl: deps.publicBaseUrl, signingSecret: deps.signingSecret, campaignId: input.campaignId, now: at }, b.linking);
    built.set(row.id, message);
    for (const l of message.links) links.push({ ...l, campaignId: input.campaignId, contactId: record.contactId, ledgerId: row.id });
  }
  await insertLinks(deps.pool, links, at);
  const owned = await markSending(deps.pool, toSend.map((t) => t.row.id), at, attempt.id);
  if (owned.size < toSend.length) b.incomplete = 'rows taken by another attempt';
  const pacers = { sms: createPacer(input.rate.sms), email: createPacer(input.rate.email) };
  const timeouts = { sms: deps.sms.callTimeoutMs, email: deps.email.callTimeoutMs };
  const results: LedgerResult[] = [];
  let done = 0;
  let beatAt = 0;
  const run = await sendWhileLeased(
    toSend.filter((t) => owned.has(t.row.id)),
    {
      concurrency: SEND_CONCURRENCY,
      attempt,
      timeoutOf: ({ row }) => timeouts[row.channel],
      pace: ({ row }) => pacers[row.channel].take(),
      send: async ({ row, record }) => {
        const r = await sendOne(deps, row, record, input.campaignId, built.get(row.id)!);
        results.push(r);
        const sent = r.state === 'sent';
        note(b, record.contactId, { kind: 'SEND', reason: sent ? 'ok' : (r.errorCode ?? 'failed'), channel: row.channel }, { contactId: record.contactId, state: sent ? 'sent' : 'failed', nextAt: null, channel: row.channel, reason: sent ? 'sent' : `failed:${r.errorCode}` });
        done++;
        // The SDK throttles what it sends to the server, but each call still costs a payload
        // encoding and a native call: once a second is ample for a 15 s heartbeat timeout.
        const now = Date.now();
        if (now - beatAt >= HEARTBEAT_EVERY_MS) {
          beatAt = now;
          Context.current().heartbeat({ sent: done });
        }
      },
    },
  );
  await recordResults(deps.pool, results, at);
  // Never offered to the provider: back to 'reserved' for the retry, which resumes this claim.
  await returnUnsent(deps.pool, run.unsent.map((t) => t.row.id), attempt.id);
  if (run.error !== null) b.incomplete = `provider call failed: ${(run.error as Error).message ?? String(run.error)}`;
  else if (run.stoppedBy) b.incomplete = `attempt stopped (${run.stoppedBy}) with ${run.unsent.length} messages not sent`;
  // Refusals at send time (21610 opted out, 21211 invalid number, SMTP 550) feed back into the contact.
  await applySendRefusals(deps, results.filter((r) => r.state === 'failed').map((r) => r.id));
}

type Reconciliation = { kind: 'found'; providerId: string } | { kind: 'not_sent' } | { kind: 'unknown' };

/**
 * An attempt whose outcome was lost (the worker died, the response never came): did the
 * provider get it? For SMS the provider's own list of messages to the number since the attempt
 * answers, matched by the exact text this step sends: found, or definitely not sent. E-mail
 * has no such list: the outcome stays unknown.
 */
export async function reconcile(row: LedgerRow, record: RecipientRecord | undefined, def: CampaignDefinition, sms: SmsSender, linking: LinkContext): Promise<Reconciliation> {
  if (row.providerId) return { kind: 'found', providerId: row.providerId };
  if (row.channel !== 'sms' || !record || !row.attemptStartedAt) return { kind: 'unknown' };
  const body = buildSms(def, record, linking).text;
  const listed = await sms.findSentSince(record.e164, row.attemptStartedAt);
  const match = listed.find((m) => m.body === body);
  return match ? { kind: 'found', providerId: match.providerId } : { kind: 'not_sent' };
}

async function sendOne(deps: CampaignDeps, row: LedgerRow, record: RecipientRecord, campaignId: number, message: BuiltSms | BuiltEmail): Promise<LedgerResult> {
  if (row.channel === 'sms') {
    const composed = message as BuiltSms;
    const r = await deps.sms.send({
      to: record.e164,
      body: composed.text,
      // The base URL: the sender adds this attempt's ledger id (channels/sms.ts).
      statusCallbackUrl: `${deps.publicBaseUrl}/webhooks/twilio/status`,
      ledgerId: row.id,
    });
    deps.log(`sms ${r.ok ? 'sent' : `refused ${r.code}`} to ${maskPhone(record.e164)} (campaign ${campaignId}, ledger ${row.id})`);
    return r.ok
      ? { id: row.id, state: 'sent', providerId: r.providerId, providerStatus: r.status, segments: composed.analysis.segments, encoding: composed.analysis.encoding }
      : { id: row.id, state: 'failed', errorCode: String(r.code), errorMessage: r.message, segments: composed.analysis.segments, encoding: composed.analysis.encoding };
  }
  const { links: _links, ...email } = message as BuiltEmail;
  const r = await deps.email.send(email);
  return r.ok ? { id: row.id, state: 'sent', providerId: r.messageId } : { id: row.id, state: 'failed', errorCode: String(r.code), errorMessage: r.message };
}
