/**
 * Every message the local Twilio-shaped server accepted for a campaign's recipients, counted
 * against the ledger (send_ledger) and the campaign's recipients: what the fault suite reports and
 * what its CI test asserts is zero.
 */
import { dataCodec } from '../../infra/data-keys';
import type { Pool } from '../../db/pool';
import { unknownProviderIds } from '../../db/provider-messages';
import { DEFAULT_CALLBACK_RETRY } from '../../sandbox/twilio-replay';
import type { CallbackRecord, SandboxMessage } from '../../sandbox/twilio-server';

export interface FaultCounts {
  /** Recipients the campaign planned. */
  recipients: number;
  /** Outbound messages the sandbox accepted for them. */
  sandboxMessages: number;
  /** Of those, messages whose HTTP response the sandbox lost on purpose (the drop-responses fault). */
  responsesLost: number;
  /** Messages beyond the first to one recipient. */
  duplicates: number;
  recipientsWithDuplicates: number;
  /** Recipients the policy did not hold back and the sandbox has no message for. */
  missing: number;
  /** Of those, recipients whose ledger row says sent, delivered or undelivered. */
  ledgerSentWithoutMessage: number;
  /** Sandbox messages whose SID the ledger neither holds nor adopted (a second send of a row). */
  unknownProviderIds: number;
  /** Ledger rows still at `sent` once every status callback has been made. */
  stuckInSent: number;
  /** Ledger rows still `reserved` or `sending` after the campaign ended. */
  stuckInFlight: number;
  /** Ledger rows `unknown` (the outcome was lost and never reconciled). */
  unknownOutcome: number;
  /** Messages with a final status at the sandbox whose ledger row (or adopted message) does not show it. */
  callbacksNotApplied: number;
  /** Status callbacks the HTTP server did not take, not even when tried again (no connection, or 5xx). */
  callbacksRefused: number;
  /** Tries of status callbacks beyond the first (the server refused or was away). */
  callbackRetries: number;
  /** Recipients the contact policy deferred or skipped, by reason (not a fault's doing). */
  heldByPolicy: Record<string, number>;
  ledgerStates: Record<string, number>;
  recipientStates: Record<string, number>;
  /** Messages to numbers of none of these recipients (an earlier run still sending). */
  strays: number;
}

const FINAL = new Set(['delivered', 'undelivered', 'failed']);
const inc = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);

/** The figures of `campaignId` from the sandbox's outbound `messages` and the database. */
export async function countCampaign(pool: Pool, campaignId: number, messages: readonly SandboxMessage[]): Promise<FaultCounts> {
  const { rows: sealed } = await pool.query<{ contact_id: string; phone_enc: Buffer; state: string; reason: string | null }>(
    `SELECT cr.contact_id, c.phone_enc, cr.state, cr.last_reason AS reason
     FROM campaign_recipients cr JOIN contacts c ON c.id = cr.contact_id WHERE cr.campaign_id = $1`,
    [campaignId],
  );
  const recipients = sealed.map(({ phone_enc, ...r }) => ({ ...r, phone: dataCodec().decrypt(phone_enc) }));
  const { rows: ledger } = await pool.query<{ contact_id: string; state: string; provider_id: string | null }>(
    'SELECT contact_id, state, provider_id FROM send_ledger WHERE campaign_id = $1',
    [campaignId],
  );
  const outbound = messages.filter((m) => m.direction === 'outbound-api');
  const sids = outbound.map((m) => m.sid);
  const unknown = new Set(await unknownProviderIds(pool, sids));
  // What the ledger says of each message: its row's state, or the adopted message's status.
  const { rows: known } = await pool.query<{ provider_id: string; state: string }>(
    `SELECT provider_id, state FROM send_ledger WHERE provider_id = ANY($1::text[])
     UNION ALL SELECT provider_id, status FROM ledger_provider_messages WHERE provider_id = ANY($1::text[])`,
    [sids],
  );
  const ledgerStateOfSid = new Map(known.map((r) => [r.provider_id, r.state]));

  const byPhone = new Map<string, SandboxMessage[]>();
  for (const m of outbound) {
    const list = byPhone.get(m.to);
    if (list) list.push(m);
    else byPhone.set(m.to, [m]);
  }
  const ledgerOf = new Map(ledger.map((r) => [r.contact_id, r]));
  const c: FaultCounts = {
    recipients: recipients.length,
    sandboxMessages: 0,
    responsesLost: 0,
    duplicates: 0,
    recipientsWithDuplicates: 0,
    missing: 0,
    ledgerSentWithoutMessage: 0,
    unknownProviderIds: 0,
    stuckInSent: 0,
    stuckInFlight: 0,
    unknownOutcome: 0,
    callbacksNotApplied: 0,
    callbacksRefused: 0,
    callbackRetries: 0,
    heldByPolicy: {},
    ledgerStates: {},
    recipientStates: {},
    strays: 0,
  };
  const mine = new Set<string>();
  for (const r of recipients) {
    mine.add(r.phone);
    inc(c.recipientStates, r.state);
    const got = byPhone.get(r.phone) ?? [];
    c.sandboxMessages += got.length;
    if (got.length > 1) {
      c.duplicates += got.length - 1;
      c.recipientsWithDuplicates++;
    }
    const held = (r.state === 'deferred' || r.state === 'skipped') && r.reason !== 'unknown_outcome';
    if (held) inc(c.heldByPolicy, `${r.state} ${r.reason ?? '-'}`);
    if (got.length === 0 && !held) {
      c.missing++;
      const row = ledgerOf.get(r.contact_id);
      if (row && ['sent', 'delivered', 'undelivered'].includes(row.state)) c.ledgerSentWithoutMessage++;
    }
    for (const m of got) {
      if (m.responseLost) c.responsesLost++;
      const state = ledgerStateOfSid.get(m.sid);
      if (unknown.has(m.sid)) c.unknownProviderIds++;
      else if (FINAL.has(m.status) && state !== m.status) c.callbacksNotApplied++;
      for (const cb of m.callbacks) {
        if (!cb.dropped && refused(cb)) c.callbacksRefused++;
        c.callbackRetries += Math.max(0, cb.tries.length - 1);
      }
    }
  }
  for (const m of outbound) if (!mine.has(m.to)) c.strays++;
  for (const r of ledger) {
    inc(c.ledgerStates, r.state);
    if (r.state === 'sent') c.stuckInSent++;
    else if (r.state === 'reserved' || r.state === 'sending') c.stuckInFlight++;
    else if (r.state === 'unknown') c.unknownOutcome++;
  }
  return c;
}

const refused = (cb: CallbackRecord) => cb.tries.length > 0 && (cb.httpStatus === undefined || cb.httpStatus >= 500);
/** A callback answered, dropped by a rule, or refused as often as the sandbox tries one. */
const callbackDone = (cb: CallbackRecord) => cb.dropped === true || (cb.tries.length > 0 && (!refused(cb) || cb.tries.length >= DEFAULT_CALLBACK_RETRY.attempts));

/** Whether every accepted message has its final status and has made all its status callbacks, retries included. */
export function callbacksSettled(messages: readonly SandboxMessage[]): boolean {
  return messages.every(
    (m) => m.direction !== 'outbound-api' || (FINAL.has(m.status) && m.callbacks.some((cb) => FINAL.has(cb.status)) && m.callbacks.every(callbackDone)),
  );
}
