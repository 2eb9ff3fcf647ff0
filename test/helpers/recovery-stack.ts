import { randomBytes } from 'node:crypto';
import { createTwilioLookup } from '../../channels/twilio-lookup';
import { recoveryLink } from '../../services/recovery-lifecycle';
import { DEFAULT_API_RATE } from '../../core/api-tokens';
import { createApiToken } from '../../db/api-tokens';
import { publicIdOf } from '../../db/public-ids';
import type { SandboxRule, TwilioSandbox } from '../../sandbox/twilio-server';
import { temporalClient } from './harness';
import { startStack, type Stack } from './stack';

export { SANDBOX_FROM } from './stack';

/**
 * Everything the changed-number funnel runs through, real (test/helpers/stack.ts): PostgreSQL, the
 * Temporal dev server and a reachloop worker, the twilio library against the local Twilio-shaped
 * server (whose scripted handsets answer, and whose Lookup reports the same scripted lines), and the
 * HTTP server that verifies their signed replies and signals the case.
 * Activities decide at a pinned instant (`now`); the rest runs in real time.
 */
export interface RecoveryStack extends Stack {
  sandbox: TwilioSandbox;
  /** The legacy REACHLOOP_API_TOKEN (events, messages). */
  apiToken: string;
  /** A token of `reachloop token create --scope contacts:write` (number changes). */
  contactsToken: string;
}

export async function startRecoveryStack(o: { now: Date; rules?: SandboxRule[]; brand?: string; currentAnswerWithinMs?: number }): Promise<RecoveryStack> {
  const apiToken = randomBytes(16).toString('hex');
  const brand = o.brand ?? 'Acme';
  const stack = await startStack({
    now: () => o.now,
    sandbox: { inbound: true, rules: o.rules ?? [] },
    sms: { timeoutMs: 10_000 },
    brand,
    // As the embedded default (LOOKUP_PROVIDER=sandbox): Lookup v2 of the same server, its rules the carrier.
    activities: (s) => ({ lookup: createTwilioLookup({ name: 'sandbox', accountSid: s.sandbox!.accountSid, authToken: s.authToken, apiBase: s.sandbox!.url, lineStatus: true }) }),
    server: (s) => ({
      events: { apiToken },
      recovery: recoveryLink(temporalClient, s.db.pool, { taskQueue: s.worker!.taskQueue, brand, ...(o.currentAnswerWithinMs ? { currentAnswerWithinMs: o.currentAnswerWithinMs } : {}) }),
    }),
  });
  try {
    const contactsToken = (await createApiToken(stack.db.pool, { name: 'support-desk', scopes: ['contacts:write'], rate: DEFAULT_API_RATE })).secret;
    return { ...stack, sandbox: stack.sandbox!, apiToken, contactsToken };
  } catch (err) {
    await stack.stop();
    throw err;
  }
}

/**
 * Polls until fn returns a value that is not undefined, or fails after timeoutMs; `diagnose`
 * adds what the test knows about the stuck state to the failure.
 */
export async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs: number, what: string, diagnose?: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) {
      const detail = diagnose ? `\n${await diagnose().catch((err: Error) => `(diagnosis failed: ${err.message})`)}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The contact's reference in the API (contacts.public_id). */
export async function publicIdOfContact(stack: RecoveryStack, contactId: number): Promise<string> {
  return (await publicIdOf(stack.db.pool, contactId))!;
}

/** The contact's latest recovery case row, as stored. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function latestCaseOf(stack: RecoveryStack, contactId: number): Promise<any> {
  return (await stack.db.pool.query('SELECT * FROM recovery_cases WHERE contact_id = $1 ORDER BY id DESC LIMIT 1', [contactId])).rows[0];
}

/** The contact's latest case once it is closed (confirmed, refused, expired, cancelled). */
export function closedCaseOfContact(stack: RecoveryStack, contactId: number) {
  return eventually(async () => {
    const k = await latestCaseOf(stack, contactId);
    return k && !['detected', 'matched', 'confirmation_sent'].includes(k.state) ? k : undefined;
  }, 60_000, `the case of contact ${contactId} to close`);
}
