import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCampaign } from '../core/campaign/definition';
import { insertCampaign } from '../db/campaigns';
import { planRecipients } from '../db/campaign-recipients';
import { seedContacts } from './helpers/contacts';
import { isolatedDatabase, type TestDatabase } from './helpers/harness';

// Planning selects the audience into Postgres: by tier, tag, country, ids and event segments.
let db: TestDatabase;
let ids: number[];
const now = new Date('2026-11-25T12:00:00Z');

beforeAll(async () => {
  db = await isolatedDatabase();
  ids = await seedContacts(db.pool, [
    { phone: '+8613800138011', tier: 'A' },
    { phone: '+8613800138012', tier: 'B' },
    { phone: '+12125550181', tier: 'C' },
    { phone: '+12125550182', tier: 'D' },
  ]);
  await db.pool.query(`UPDATE contacts SET channel_tags = '{app}' WHERE id = ANY($1)`, [[ids[0], ids[2]]]);
  const event = (n: number, contact: number, tag: string, daysAgo: number) =>
    db.pool.query(`INSERT INTO events (event_id, contact_id, tag, raw_tag, occurred_at, source) VALUES ($1, $2, $3, $3, $4, 'test')`, [
      `e${n}`, contact, tag, new Date(now.getTime() - daysAgo * 86_400_000),
    ]);
  await event(1, ids[0]!, 'purchase', 10);
  await event(2, ids[1]!, 'purchase', 200);
  await event(3, ids[2]!, 'login', 1);
});
afterAll(() => db?.drop());

const plan = async (audience: Record<string, unknown>) => {
  const def = parseCampaign({ name: 'a', category: 'marketing', audience, templates: { sms: { en: 'x' }, email: { en: { subject: 's', text: 't' } } } });
  const id = await insertCampaign(db.pool, def);
  await planRecipients(db.pool, id, def, now);
  const { rows } = await db.pool.query('SELECT contact_id FROM campaign_recipients WHERE campaign_id = $1 ORDER BY contact_id', [id]);
  return rows.map((r) => Number(r.contact_id));
};

describe('campaign audience', () => {
  it.each([
    ['tiers', { tiers: ['A', 'C'] }, [0, 2]],
    ['tags', { tags: ['app'] }, [0, 2]],
    ['countries', { countries: ['US'] }, [2, 3]],
    ['purchase in the last 90 days', { segment: { event: 'purchase', withinDays: 90 } }, [0]],
    ['no purchase in the last 90 days (win-back)', { segment: { event: 'purchase', withinDays: 90, absent: true } }, [1, 2, 3]],
    ['segment and tier together', { tiers: ['B', 'C'], segment: { event: 'purchase', withinDays: 365 } }, [1]],
    ['limit', { limit: 2 }, [0, 1]],
  ])('%s', async (_name, audience, expected) => {
    expect(await plan(audience)).toEqual(expected.map((i) => ids[i]));
  });

  it('planning twice adds nobody twice', async () => {
    const def = parseCampaign({ name: 'b', category: 'marketing', templates: { sms: { en: 'x' }, email: { en: { subject: 's', text: 't' } } } });
    const id = await insertCampaign(db.pool, def);
    expect(await planRecipients(db.pool, id, def, now)).toBe(4);
    expect(await planRecipients(db.pool, id, def, now)).toBe(4);
  });
});
