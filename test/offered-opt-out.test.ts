import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotOf } from '../services/messages';
import { parseCampaign } from '../core/campaign/definition';
import { insertCampaign } from '../db/campaigns';
import { loadRecipients } from '../db/recipients';
import { campaignWorkflowId } from '../workflows/ids';
import { seedContacts, sealedText } from './helpers/contacts';
import { SANDBOX_FROM, startRecoveryStack, type RecoveryStack } from './helpers/recovery-stack';

// "回N退订": a campaign whose template offers N as the opt-out keyword (so no standard footer is
// added) sends through the twilio library to the local Twilio-shaped server; the handset answers
// "N" through the signed inbound webhook; the contact is suppressed for SMS and the next campaign
// skips it as opted out. The same "N" from a number whose message offered STOP is no opt-out.

const NOW = new Date('2026-11-25T03:00:00Z'); // a Wednesday, 11:00 in Beijing
const OFFERED_N = '+8613800138101'; // got "回N退订", answers N
const OFFERED_STOP = '+8613800138102'; // got the standard footer, answers N
const OFFERED_R = '+8613800138103'; // campaign configured R as its keyword, answers R
const FRESH = '+8613800138104'; // no message yet: the next campaign reaches it (the others had today's one SMS)
const OFFER_TEXT = '【Acme】双十一会员日全场5折，仅限本周。回N退订';

let s: RecoveryStack;
let ids: Record<string, number>;

beforeAll(async () => {
  s = await startRecoveryStack({ now: NOW });
  const seeded = await seedContacts(s.db.pool, [{ phone: OFFERED_N, name: '李' }, { phone: OFFERED_STOP, name: '王' }, { phone: OFFERED_R, name: '张' }, { phone: FRESH, name: '赵' }]);
  ids = { [OFFERED_N]: seeded[0]!, [OFFERED_STOP]: seeded[1]!, [OFFERED_R]: seeded[2]!, [FRESH]: seeded[3]! };
}, 60_000);

afterAll(async () => s?.stop());

async function runCampaign(phones: string[], sms: string, extra: Record<string, unknown> = {}): Promise<number> {
  const campaignId = await insertCampaign(
    s.db.pool,
    parseCampaign({
      name: 'member day',
      category: 'marketing',
      brand: 'Acme',
      audience: { contactIds: phones.map((p) => ids[p]!) },
      channels: { A: 'sms', B: 'sms', C: 'sms', D: 'sms' },
      fallback: false,
      templates: { sms: { zh: sms } },
      defaultLanguage: 'zh',
      ...extra,
    }),
  );
  await s.client.workflow.execute('campaignWorkflow', { taskQueue: s.worker.taskQueue, workflowId: campaignWorkflowId(campaignId), args: [{ campaignId, lanes: 1, batchSize: 50 }] });
  await s.sandbox.idle();
  return campaignId;
}

const suppressions = async (phone: string) => (await s.db.pool.query('SELECT channel, kind, source, proof FROM suppressions WHERE contact_id = $1', [ids[phone]])).rows;
const decisions = async (campaignId: number) =>
  Object.fromEntries(
    (await s.db.pool.query('SELECT contact_id, decision, reason FROM campaign_decisions WHERE campaign_id = $1 ORDER BY id', [campaignId])).rows.map((r) => [Number(r.contact_id), `${r.decision}:${r.reason}`]),
  );

describe('an opt-out keyword the message itself offered', () => {
  let first: number;

  it('"回N退订" is sent as written (the offer replaces the standard footer)', async () => {
    first = await runCampaign([OFFERED_N], OFFER_TEXT);
    await runCampaign([OFFERED_STOP], '【Acme】双十一会员日全场5折，仅限本周。');
    await runCampaign([OFFERED_R], '【Acme】双十一会员日全场5折，拒收请回复R', { optOutKeywords: ['R'] });
    expect(s.sandbox.messages({ to: OFFERED_N, direction: 'outbound-api' }).map((m) => m.body)).toEqual([OFFER_TEXT]);
    expect(s.sandbox.messages({ to: OFFERED_STOP, direction: 'outbound-api' }).map((m) => m.body)).toEqual(['【Acme】双十一会员日全场5折，仅限本周。回复T退订']);
  });

  it('"N" from the handset it was offered to: suppressed for SMS, with the offer in the proof', async () => {
    const r = await s.sandbox.reply(OFFERED_N, undefined, 'N');
    expect(r.httpStatus).toBe(200);
    const rows = await suppressions(OFFERED_N);
    expect(rows).toEqual([expect.objectContaining({ channel: 'sms', kind: 'opt_out', source: 'sms_keyword' })]);
    expect(rows[0].proof).toMatchObject({ keyword: 'N', body_sealed: sealedText('N'), offeredBy: { campaignId: first, rule: 'zh_reply_kw_stop' } });
    expect(rows[0].proof.reason).toContain('offered by the message');
    // No raw number in the logs.
    expect(s.logs.join('\n')).not.toContain(OFFERED_N);
  });

  it('"N" from a number that was never offered N is a reply, not an opt-out', async () => {
    const r = await s.sandbox.reply(OFFERED_STOP, undefined, 'N');
    expect(r.httpStatus).toBe(200);
    expect(await suppressions(OFFERED_STOP)).toEqual([]);
    const { rows } = await s.db.pool.query(`SELECT e.tag FROM events e WHERE e.contact_id = $1`, [ids[OFFERED_STOP]]);
    expect(rows.map((e) => e.tag)).toEqual(['sms_reply']);
  });

  it('a keyword configured on the campaign counts too', async () => {
    await s.sandbox.reply(OFFERED_R, SANDBOX_FROM, 'r');
    expect(await suppressions(OFFERED_R)).toEqual([expect.objectContaining({ channel: 'sms', kind: 'opt_out' })]);
  });

  it('the next campaign skips the opted-out contacts; the one that only replied is not opted out', async () => {
    const next = await runCampaign([OFFERED_N, OFFERED_R, FRESH], '【Acme】周末加场，回N退订');
    expect(await decisions(next)).toEqual({ [ids[OFFERED_N]!]: 'SKIP:opted_out', [ids[OFFERED_R]!]: 'SKIP:opted_out', [ids[FRESH]!]: 'SEND:ok' });
    expect(s.sandbox.messages({ to: OFFERED_N, direction: 'outbound-api' })).toHaveLength(1);
    // What the send decision reads for the number that answered N to a message offering STOP.
    const stopOnly = (await loadRecipients(s.db.pool, [ids[OFFERED_STOP]!], 'marketing')).get(ids[OFFERED_STOP]!)!;
    expect(snapshotOf(stopOnly).optedOut).toEqual({ sms: false, email: false });
  });
});
