import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities, defaultActivityDeps } from '../activities';
import type { DispatchInput, DispatchResult } from '../activities/dispatch';
import { createSandboxSmsSender } from '../channels/sandbox-sms';
import { parseCampaign } from '../core/campaign/definition';
import { insertCampaign } from '../db/campaigns';
import type { Pool } from '../db/pool';
import { seedContacts } from './helpers/contacts';
import { isolatedDatabase, type TestDatabase } from './helpers/harness';
import { numbersOpenAt } from './helpers/open-numbers';

// Issue 18: a batch read its ledger rows twice, once to settle earlier attempts and again under the
// cap locks. It reads them once now: the rows of step 1 go to the reservation (the attempt is
// fenced, so nobody writes them in between). Counted on the statements the batch sends PostgreSQL.

const AT = new Date('2026-11-25T15:00:00Z');
const STEP_ROWS = /FROM send_ledger WHERE campaign_id = \$1 AND step = \$2 AND contact_id = ANY/;
let db: TestDatabase;

beforeAll(async () => {
  db = await isolatedDatabase();
});
afterAll(() => db?.drop());

/** The pool, with every statement whose text matches `re` (through the pool or a client it lends) recorded. */
function recordingPool(pool: Pool, re: RegExp, seen: string[]): Pool {
  const note = (q: unknown) => {
    const text = typeof q === 'string' ? q : (q as { text?: unknown } | null)?.text;
    if (typeof text === 'string' && re.test(text)) seen.push(text);
  };
  const wrap = <T extends object>(target: T, extra: Partial<Record<PropertyKey, unknown>> = {}): T =>
    new Proxy(target, {
      get(t, prop) {
        if (prop in extra) return extra[prop];
        if (prop === 'query') return (q: unknown, ...rest: unknown[]) => (note(q), (t as { query: (...a: unknown[]) => unknown }).query(q, ...rest));
        const v = Reflect.get(t, prop, t);
        return typeof v === 'function' ? v.bind(t) : v;
      },
    });
  return wrap(pool, { connect: async () => wrap(await pool.connect()) });
}

describe('a campaign batch', () => {
  it('reads its ledger rows once, and still sends each recipient once', async () => {
    const phones = numbersOpenAt(AT, 12, 7100);
    await seedContacts(db.pool, phones.map((phone) => ({ phone })));
    const campaignId = await insertCampaign(db.pool, parseCampaign({ name: 'reads', category: 'transactional', audience: { tiers: ['A', 'B', 'C'] }, templates: { sms: { en: 'your order shipped' } } }));
    const sms = createSandboxSmsSender();
    const seen: string[] = [];
    const activities = createActivities(defaultActivityDeps(recordingPool(db.pool, STEP_ROWS, seen), { now: () => AT, sms }));
    await activities.planCampaign({ campaignId });
    const input: DispatchInput = { campaignId, claimKey: 'run-1:0', limit: 100, rate: { sms: null, email: null } };

    const r = (await new MockActivityEnvironment().run(activities.dispatchCampaignBatch, input)) as DispatchResult;
    expect(r.claimed).toBe(12);
    expect(r.sentByChannel).toEqual({ sms: 12 });
    expect(seen).toHaveLength(1);

    // Retried with the same claim key (its rows finished): nothing claimed, nothing sent again.
    const again = (await new MockActivityEnvironment({ attempt: 2 }).run(activities.dispatchCampaignBatch, input)) as DispatchResult;
    expect(again.claimed).toBe(0);
    expect(sms.sent()).toHaveLength(12);
  });
});
