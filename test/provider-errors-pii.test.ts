import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCampaign } from '../core/campaign/definition';
import { insertCampaign } from '../db/campaigns';
import { campaignWorkflowId } from '../workflows/ids';
import { seedContacts } from './helpers/contacts';
import { needlesOf } from './helpers/pii-needles';
import { findPersonalData, needleMatcher } from './helpers/pii-scan';
import { startStack, type Stack } from './helpers/stack';
import { collectStrings } from './helpers/temporal-payloads';

// Providers echo the recipient in their refusals: Twilio's "The 'To' number +1... is not a valid
// phone number", an SMTP server's "550 5.1.1 <x@y>: Recipient address rejected". Those texts
// reach the ledger's error_message, the worker's log and, when thrown, activity failures in the
// workflow history: none of them may hold the number or address (issue 17 item 2).
const NOW = new Date('2026-11-25T15:00:00Z'); // 10:00 in New York, a Wednesday, no holiday
const LANDLINE = '+12125550177'; // the sandbox refuses it, naming the number (its default message)
const INVALID = '+12125550178'; // refused with Twilio's 21211 text, number and all
const BOUNCED = 'Gone.Person@Example.net'; // the SMTP server refuses it, naming the address
const BOUNCED_OWNER = '+12125550179';

let stack: Stack;
const logs: string[] = [];

beforeAll(async () => {
  stack = await startStack({
    now: () => NOW,
    sandbox: {
      rules: [
        { to: LANDLINE, reject: { code: 21614 } },
        { to: INVALID, reject: { code: 21211, message: `The 'To' number ${INVALID} is not a valid phone number.` } },
      ],
    },
    smtp: {
      onRcptTo(address, _session, cb) {
        if (address.address.toLowerCase() === BOUNCED.toLowerCase()) return cb(Object.assign(new Error(`5.1.1 <${address.address}>: Recipient address rejected: User unknown`), { responseCode: 550 }));
        cb();
      },
    },
    activities: { log: (l: string) => logs.push(l) },
  });
});

afterAll(() => stack?.stop());

async function runCampaign(contactIds: number[], channel: 'sms' | 'email'): Promise<number> {
  const campaignId = await insertCampaign(
    stack.db.pool,
    parseCampaign({
      name: `refusals ${channel}`,
      category: 'marketing',
      brand: 'Acme',
      audience: { contactIds },
      channels: { A: channel, B: channel, C: channel, D: channel },
      fallback: false,
      templates: channel === 'sms' ? { sms: { en: 'Hi {{name}}, 20% off at {{brand}} this week.' } } : { email: { en: { subject: 'Sale at {{brand}}', text: 'Hi {{name}}, 20% off this week.' } } },
    }),
  );
  await stack.client.workflow.execute('campaignWorkflow', { taskQueue: stack.worker.taskQueue, workflowId: campaignWorkflowId(campaignId), args: [{ campaignId, lanes: 1, batchSize: 50 }] });
  return campaignId;
}

describe('provider refusals that name the recipient', () => {
  it('leave no raw number or e-mail in the ledger, the logs or the campaign history', async () => {
    const [landline, invalid, bounced] = await seedContacts(stack.db.pool, [
      { phone: LANDLINE, name: 'Lana' },
      { phone: INVALID, name: 'Ivo' },
      { phone: BOUNCED_OWNER, name: 'Bo', email: BOUNCED },
    ]);
    const sms = await runCampaign([landline!, invalid!], 'sms');
    const email = await runCampaign([bounced!], 'email');
    const { rows } = await stack.db.pool.query(`SELECT campaign_id, state, error_code, error_message FROM send_ledger ORDER BY id`);
    // The refusals were recorded, their text kept with the recipient masked.
    expect(rows).toEqual([
      { campaign_id: String(sms), state: 'failed', error_code: '21614', error_message: expect.stringContaining('+121****0177') },
      { campaign_id: String(sms), state: 'failed', error_code: '21211', error_message: "The 'To' number +121****0178 is not a valid phone number." },
      { campaign_id: String(email), state: 'failed', error_code: '550', error_message: expect.stringMatching(/<G\*\*\*@Example\.net>: Recipient address rejected/i) },
    ]);
    const needles = needlesOf([LANDLINE, INVALID, BOUNCED, BOUNCED_OWNER]);
    expect(await findPersonalData(stack.db.pool, needles)).toEqual([]);
    const match = needleMatcher(needles);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.filter((l) => match(l).length > 0)).toEqual([]);
    for (const id of [sms, email]) {
      const values = collectStrings(await stack.client.workflow.getHandle(campaignWorkflowId(id)).fetchHistory(), `campaign ${id}`);
      expect(values.some((v) => v.text.includes(`"campaignId":${id}`))).toBe(true);
      expect(values.filter((v) => match(v.text).length > 0)).toEqual([]);
    }
  });
});
