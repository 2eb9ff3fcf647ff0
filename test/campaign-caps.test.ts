import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultActivityDeps } from '../activities';
import { createTwilioSender } from '../channels/twilio';
import { parseCampaign } from '../core/campaign/definition';
import { insertCampaign } from '../db/campaigns';
import { startTwilioSandbox, type TwilioSandbox } from '../sandbox/twilio-server';
import { campaignWorkflowId } from '../workflows/ids';
import { plain, seedContacts } from './helpers/contacts';
import { isolatedDatabase, startTestWorker, temporalClient, type TestDatabase, type TestWorker } from './helpers/harness';

// Ten campaigns at once over one audience, on the real dev server and the real clock: every
// batch of every campaign reserves caps for the same contacts concurrently.
let db: TestDatabase;
let sandbox: TwilioSandbox;
let worker: TestWorker;
let client: Client;
const authToken = randomBytes(16).toString('hex');
/** Decisions at a pinned instant inside New York's window (the contact policy applies at any hour the suite runs). */
const NOW = new Date('2026-11-18T15:00:00Z'); // a Wednesday, 10:00 in New York

beforeAll(async () => {
  db = await isolatedDatabase();
  sandbox = await startTwilioSandbox({ authToken, defaultFrom: '+15005550006' });
  const sms = createTwilioSender({ accountSid: sandbox.accountSid, authToken, from: '+15005550006', apiBase: sandbox.url });
  worker = await startTestWorker(defaultActivityDeps(db.pool, { sms, now: () => NOW }));
  client = await temporalClient();
});
afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  await sandbox?.stop();
  await db?.drop();
});

describe('caps across campaigns', () => {
  it('ten concurrent campaigns over one audience never break a cap (1 SMS per 24 h)', async () => {
    const phones = Array.from({ length: 40 }, (_, i) => `+1212555${String(2000 + i)}`);
    await seedContacts(db.pool, phones.map((phone) => ({ phone })));
    const deadline = new Date(NOW.getTime() + 10 * 60_000).toISOString();
    const ids = await Promise.all(
      Array.from({ length: 10 }, () =>
        insertCampaign(
          db.pool,
          parseCampaign({
            name: 'cap race',
            category: 'marketing',
            templates: { sms: { en: 'Sale at {{brand}}' } },
            audience: { tiers: ['A'] },
            channels: { A: 'sms' },
            deadline,
          }),
        ),
      ),
    );
    // Small batches and several lanes per campaign: many reservations race for each contact.
    const handles = await Promise.all(
      ids.map((id) => client.workflow.start('campaignWorkflow', { taskQueue: worker.taskQueue, workflowId: campaignWorkflowId(id), args: [{ campaignId: id, lanes: 3, batchSize: 7 }] })),
    );
    const statuses = await Promise.all(handles.map((h) => h.result()));
    expect(statuses.every((s) => s.phase === 'completed')).toBe(true);

    const { rows } = await db.pool.query(
      `SELECT c.phone_enc, count(*)::int AS n FROM send_ledger l JOIN contacts c ON c.id = l.contact_id WHERE l.state = 'sent' GROUP BY c.phone_enc`,
    );
    expect(rows).toHaveLength(40);
    for (const r of plain(rows)) expect(r.n, r.phone_e164).toBe(1);
    const outbound = sandbox.messages({ direction: 'outbound-api' });
    expect(outbound).toHaveLength(40);
    expect(new Set(outbound.map((m) => m.to)).size).toBe(40);
    // The other nine campaigns deferred each contact until the cap frees, which is past the
    // deadline: skipped with that reason, visible in the audit trail.
    const skipped = await db.pool.query(`SELECT count(*)::int AS n FROM campaign_decisions WHERE decision = 'SKIP' AND reason = 'deadline_passed'`);
    expect(skipped.rows[0].n).toBe(40 * 9);
  });
});
