import { randomBytes } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createActivities, defaultActivityDeps } from '../activities';
import { createTwilioSender } from '../channels/twilio';
import type { SmsSender } from '../channels/sms';
import { parseCampaign } from '../core/campaign/definition';
import { insertCampaign } from '../db/campaigns';
import { startTwilioSandbox, type TwilioSandbox } from '../sandbox/twilio-server';
import type { DispatchInput, DispatchResult } from '../activities/dispatch';
import { seedContacts } from './helpers/contacts';
import { isolatedDatabase, type TestDatabase } from './helpers/harness';
import { numbersOpenAt } from './helpers/open-numbers';

// Issue 19: a Temporal restart let a second attempt of a batch run while the first was still
// sending: it found the first attempt's rows in 'sending', asked the provider, saw that the ones
// not yet sent were not there, and sent them too (190 duplicates of 20,000). Two attempts of one
// batch run here at the same time, in activity contexts as a worker runs them, against the local
// Twilio-shaped server through the real twilio library.

const AT = new Date('2026-11-25T15:00:00Z');
const N = 40;
const authToken = randomBytes(16).toString('hex');
let db: TestDatabase;
let sandbox: TwilioSandbox;
let phones: string[];
let contactIds: number[];
const logLines: string[] = [];

beforeAll(async () => {
  db = await isolatedDatabase();
  sandbox = await startTwilioSandbox({ authToken, defaultFrom: '+15005550006' });
  phones = numbersOpenAt(AT, N, 7000);
  contactIds = await seedContacts(db.pool, phones.map((phone) => ({ phone })));
});
afterAll(async () => {
  await sandbox?.stop();
  await db?.drop();
});
beforeEach(() => {
  sandbox.clear();
  logLines.length = 0;
});

/** The real sender, each call slowed by a network of `delayMs`. */
function slowSender(delayMs: number): SmsSender {
  const twilio = createTwilioSender({ accountSid: sandbox.accountSid, authToken, from: '+15005550006', apiBase: sandbox.url, timeoutMs: 1_000 });
  return {
    callTimeoutMs: twilio.callTimeoutMs,
    findSentSince: (to, since) => twilio.findSentSince(to, since),
    fetchMessage: (sid) => twilio.fetchMessage(sid),
    async send(m) {
      await new Promise((r) => setTimeout(r, delayMs));
      return twilio.send(m);
    },
  };
}

async function launch(name: string) {
  const campaignId = await insertCampaign(db.pool, parseCampaign({ name, category: 'transactional', audience: { tiers: ['A', 'B', 'C'] }, templates: { sms: { en: `${name}: your order shipped` } } }));
  const activities = createActivities(defaultActivityDeps(db.pool, { now: () => AT, sms: slowSender(20), sendLeaseMs: 3_000, log: (l) => logLines.push(l) }));
  await activities.planCampaign({ campaignId });
  const input: DispatchInput = { campaignId, claimKey: 'run-1:0', limit: 1_000, rate: { sms: 20, email: null } };
  return { campaignId, activities, input };
}

const outbound = () => sandbox.messages({ direction: 'outbound-api' });
const perNumber = () => {
  const m = new Map<string, number>();
  for (const msg of outbound()) m.set(msg.to, (m.get(msg.to) ?? 0) + 1);
  return m;
};

describe('fencing of send attempts', () => {
  it('a second attempt of a batch that starts while the first is sending waits for it, and nobody gets two messages', async () => {
    const { campaignId, activities, input } = await launch('fenced');
    const first = new MockActivityEnvironment({ attempt: 1 }).run(activities.dispatchCampaignBatch, input);
    await expect.poll(() => outbound().length, { timeout: 10_000, interval: 20 }).toBeGreaterThanOrEqual(8);
    // Temporal timed the first attempt out (its server was away) and started the second: same claim key.
    const second = new MockActivityEnvironment({ attempt: 2 }).run(activities.dispatchCampaignBatch, input);
    const [r1, r2] = (await Promise.all([first, second])) as [DispatchResult, DispatchResult];
    expect(r1.claimed).toBe(N);
    expect(r2.claimed).toBe(N); // it claimed the same recipients (still claimed under the key)...
    expect(logLines.some((l) => /waits up to \d+ s for an earlier attempt/.test(l))).toBe(true); // ...waited for the first...

    expect([...perNumber().values()].filter((n) => n > 1)).toEqual([]);
    expect([...perNumber().keys()].sort()).toEqual([...phones].sort());
    const { rows } = await db.pool.query(`SELECT state, count(*)::int AS n, count(DISTINCT provider_id)::int AS ids FROM send_ledger WHERE campaign_id = $1 GROUP BY state`, [campaignId]);
    expect(rows).toEqual([{ state: 'sent', n: N, ids: N }]);
  });

  it('a second attempt that claimed the same recipients waits, then settles them without sending again', async () => {
    const { campaignId, activities, input } = await launch('claimed-twice');
    const first = new MockActivityEnvironment({ attempt: 1 }).run(activities.dispatchCampaignBatch, input);
    await expect.poll(() => outbound().length, { timeout: 10_000, interval: 20 }).toBeGreaterThanOrEqual(5);
    // The retry of a batch whose recipients are still claimed: the old code reconciled the first
    // attempt's 'sending' rows against the provider's list at once and sent the missing ones.
    const { rows: claimed } = await db.pool.query(`SELECT count(*)::int AS n FROM campaign_recipients WHERE campaign_id = $1 AND claim_key = $2`, [campaignId, input.claimKey]);
    expect(claimed[0].n).toBe(N);
    const second = new MockActivityEnvironment({ attempt: 2 }).run(activities.dispatchCampaignBatch, { ...input });
    await Promise.all([first, second]);
    expect([...perNumber().values()].filter((n) => n > 1)).toEqual([]);
    expect(perNumber().size).toBe(N);
  });

  it('an attempt cancelled mid-batch starts no further call; its unsent rows go to the retry, which sends each once', async () => {
    const { campaignId, activities, input } = await launch('cancelled');
    const env = new MockActivityEnvironment({ attempt: 1 });
    const first = env.run(activities.dispatchCampaignBatch, input);
    await expect.poll(() => outbound().length, { timeout: 10_000, interval: 20 }).toBeGreaterThanOrEqual(6);
    env.cancel('TIMED_OUT'); // the server timed its heartbeat out
    await expect(first).rejects.toThrow(/incomplete: attempt stopped \(cancelled\)/);
    const afterCancel = outbound().length;
    expect(afterCancel).toBeLessThan(N);
    const { rows: states } = await db.pool.query(`SELECT state, count(*)::int AS n FROM send_ledger WHERE campaign_id = $1 GROUP BY state ORDER BY state`, [campaignId]);
    expect(states).toEqual([
      { state: 'reserved', n: N - afterCancel },
      { state: 'sent', n: afterCancel },
    ]);
    await new MockActivityEnvironment({ attempt: 2 }).run(activities.dispatchCampaignBatch, input);
    expect([...perNumber().values()].filter((n) => n > 1)).toEqual([]);
    expect(perNumber().size).toBe(N);
  });

  it('rows of an attempt that died are taken over only after its lease ran out', async () => {
    const { campaignId, activities, input } = await launch('died');
    // A worker SIGKILLed in the middle of its batch: its attempt holds a lease and three rows in 'sending'.
    const { rows: attemptRows } = await db.pool.query(`INSERT INTO send_attempts (scope, owner, lease_until) VALUES ($1, 'killed worker', clock_timestamp() + interval '2 seconds') RETURNING id`, [
      `campaign:${campaignId}:${input.claimKey}`,
    ]);
    const dead = attemptRows[0].id;
    await db.pool.query(`UPDATE campaign_recipients SET state = 'claimed', claim_key = $2 WHERE campaign_id = $1`, [campaignId, input.claimKey]);
    await db.pool.query(
      `INSERT INTO send_ledger (campaign_id, contact_id, step, channel, category, state, reserved_at, attempt_started_at, attempt_id)
       SELECT $1, id, 'main', 'sms', 'transactional', 'sending', $3, $3, $4 FROM unnest($2::bigint[]) AS id`,
      [campaignId, contactIds.slice(0, 3), AT, dead],
    );
    await new MockActivityEnvironment({ attempt: 2 }).run(activities.dispatchCampaignBatch, input);
    expect(logLines.some((l) => /waits up to \d+ s for an earlier attempt/.test(l))).toBe(true); // waited for the dead attempt's lease
    const { rows: adopted } = await db.pool.query(`SELECT count(*)::int AS n FROM send_ledger WHERE campaign_id = $1 AND attempt_id = $2`, [campaignId, dead]);
    expect(adopted[0].n).toBe(0); // its rows were taken over (reconciled: not at the provider, so sent once now)
    expect(perNumber().size).toBe(N);
    expect([...perNumber().values()].filter((n) => n > 1)).toEqual([]);
  });
});
