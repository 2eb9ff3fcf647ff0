/**
 * The demo's scripted handsets: four customers added to the sample file whose phones answer the
 * way real ones do, so every run shows the whole loop whatever the hour (their numbers are in a
 * country whose window is open now):
 * - one answers the campaign SMS with STOP: the inbound webhook suppresses the contact;
 * - one answers with a plain reply: an `sms_reply` event;
 * - one has switched phones: the old number fails (30003, handset unreachable), the recovery scan
 *   finds the newer account with the same e-mail, sends it one confirmation SMS, the handset
 *   answers "Y" through the signed inbound webhook, and the customer is merged into it.
 * Every answer travels the real route: sandbox handset -> signed webhook -> HTTP server -> database
 * or workflow signal.
 */
import type { Client } from '@temporalio/client';
import { maskPhone } from '../../core/mask';
import { recipientStory, type RecipientStory } from '../../db/campaign-feedback';
import { findContactId } from '../../db/contact-profile';
import { phoneHash } from '../../db/contacts';
import type { Pool } from '../../db/pool';
import type { SandboxRule } from '../../sandbox/twilio-server';
import type { RecoveryOptions } from '../../services/recovery-lifecycle';
import { scanAllDeadContacts, type ScanTotal } from '../commands/recovery';
import { numbersOpenAt } from './open-numbers';

export interface ScriptedPhones {
  stop: string;
  reply: string;
  movedFrom: string;
  movedTo: string;
}

export const REPLY_TEXT = 'Thanks, see you soon';
const MOVER_EMAIL = 'moved.customer@example.org';
const DAY = 86_400_000;

export interface ScriptedCustomers {
  phones: ScriptedPhones;
  rules: SandboxRule[];
  csvRows: string;
}

/**
 * The four numbers (in a country inside its window at `at`), their sandbox rules and their rows of
 * the sample file; null in the rare hour when no candidate country is open (a holiday where only
 * one would be), when the demo runs without them.
 */
export function scriptedCustomers(at: Date): ScriptedCustomers | null {
  let numbers: string[];
  try {
    // Trailing digits 31-34: none of the sample file's scripted suffixes (13, 07, 66, 42).
    numbers = numbersOpenAt(at, 4, 8831);
  } catch {
    return null;
  }
  const [stop, reply, movedFrom, movedTo] = numbers as [string, string, string, string];
  const day = (daysAgo: number) => new Date(at.getTime() - daysAgo * DAY).toISOString().slice(0, 10);
  const optIn = new Date(at.getTime() - 700 * DAY).toISOString();
  // phone,email,name,country,last_order_at,order_value,currency,order_count,first_order_at,channel,opt_in_at
  const buyer = (phone: string, name: string, email = '') => `${phone},${email},${name},,${day(400)},48.00,USD,1,${day(400)},app,${optIn}\n`;
  return {
    phones: { stop, reply, movedFrom, movedTo },
    rules: [
      { to: stop, reply: { body: 'STOP', afterMs: 200 } },
      { to: reply, reply: { body: REPLY_TEXT, afterMs: 200 } },
      // Active when the file is imported (Lookup says so); switched off by the time the campaign sends.
      { to: movedFrom, errorCode: 30003, lineStatus: 'active' },
      { to: movedTo, reply: { body: 'Y', afterMs: 200 } },
    ],
    csvRows:
      buyer(stop, 'Stella Stop') +
      buyer(reply, 'Rafael Reply') +
      buyer(movedFrom, 'Mo Moved', MOVER_EMAIL) +
      // The customer's newer account: the same e-mail, no order, no marketing consent (never messaged by the campaign).
      `${movedTo},${MOVER_EMAIL},Mo Moved,,,,,0,,app,\n`,
  };
}

export interface SceneReport {
  stop: RecipientStory & { phone: string };
  reply: RecipientStory & { phone: string };
  recovery: RecipientStory & { phone: string; newPhone: string; newContactId: number | null; scan: ScanTotal | null };
}

/**
 * After the campaign's feedback is in: the STOP and the reply as stored, then the changed-number
 * scene (a recovery scan as `reachloop recovery scan --min-failures 1` runs it: one failure makes
 * a number dead here, where the demo cannot wait for a second campaign), waiting at most
 * timeoutMs for the "Y" to merge the customer.
 */
export async function playScenes(
  deps: { pool: Pool; client: Client; options: RecoveryOptions },
  campaignId: number,
  phones: ScriptedPhones,
  timeoutMs: number,
): Promise<SceneReport> {
  const { pool } = deps;
  const idOf = async (e164: string) => (await findContactId(pool, { phoneHash: phoneHash(e164) })) ?? null;
  const story = async (e164: string) => {
    const id = await idOf(e164);
    if (id === null) throw new Error(`the demo's scripted customer ${maskPhone(e164)} was not imported`);
    return { phone: maskPhone(e164), ...(await recipientStory(pool, campaignId, id)) };
  };
  const mover = await story(phones.movedFrom);
  let scan: ScanTotal | null = null;
  if (mover.outcome === 'undelivered:30003') {
    scan = await scanAllDeadContacts(deps, { minFailures: 1, pageSize: 500 });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const k = (await recipientStory(pool, campaignId, mover.contactId)).recoveryCase;
      if (k && !['detected', 'matched', 'confirmation_sent'].includes(k.state)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    stop: await story(phones.stop),
    reply: await story(phones.reply),
    recovery: { ...(await story(phones.movedFrom)), newPhone: maskPhone(phones.movedTo), newContactId: await idOf(phones.movedTo), scan },
  };
}

/** The scenes as the demo prints them. */
export function renderScenes(s: SceneReport): string[] {
  const r = s.recovery;
  const k = r.recoveryCase;
  return [
    'scripted handsets (through the sandbox and the signed inbound webhook):',
    `  STOP     ${s.stop.phone} contact ${s.stop.contactId}: ${s.stop.outcome ?? 'not sent'} -> ${s.stop.optedOut ? 'opted out (suppressed on SMS before the next send)' : 'no opt-out stored'}`,
    `  reply    ${s.reply.phone} contact ${s.reply.contactId}: ${s.reply.outcome ?? 'not sent'} -> ${s.reply.replies} reply stored ("${REPLY_TEXT}")`,
    `  recovery ${r.phone} contact ${r.contactId}: ${r.outcome ?? 'not sent'} -> ${
      k ? `case ${k.id} asked ${r.newPhone} (same e-mail on a newer account): ${k.state === 'confirmed' ? 'answered "Y", confirmed' : k.state}` : 'no case'
    }${r.mergedInto !== null ? `; merged into contact ${r.mergedInto}` : ''}`,
  ];
}
