import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { parseCampaign } from '../core/campaign/definition';
import { insertCampaign } from '../db/campaigns';
import { projectRoot } from '../infra/paths';
import { startTwilioSandbox, type TwilioSandbox } from '../sandbox/twilio-server';
import { campaignWorkflowId } from '../workflows/ids';
import { campaignStatus } from '../workflows/messages/campaign';
import { seedContacts } from './helpers/contacts';
import { numbersOpenAt } from './helpers/open-numbers';
import { isolatedDatabase, temporalClient, uniqueName, type TestDatabase } from './helpers/harness';

// A worker process killed in the middle of a batch (SIGKILL: no cleanup at all) and a new one
// started: every recipient gets exactly one message, none is lost.
let db: TestDatabase;
let sandbox: TwilioSandbox;
let client: Client;
const authToken = randomBytes(16).toString('hex');
const taskQueue = uniqueName('crash');
const workers: ChildProcess[] = [];

beforeAll(async () => {
  db = await isolatedDatabase();
  sandbox = await startTwilioSandbox({ authToken, defaultFrom: '+15005550006' });
  client = await temporalClient();
});
afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  await client?.connection.close();
  await sandbox?.stop();
  await db?.drop();
});

async function startWorkerProcess(): Promise<ChildProcess> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-crash-'));
  const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'reachloop.mjs'), 'worker'], {
    env: {
      ...process.env,
      REACHLOOP_STATE_DIR: stateDir,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      DATABASE_URL: db.url,
      TEMPORAL_TASK_QUEUE: taskQueue,
      SMS_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: sandbox.accountSid,
      TWILIO_AUTH_TOKEN: authToken,
      TWILIO_FROM: '+15005550006',
      TWILIO_API_BASE: sandbox.url,
      // The retried batch waits out the killed attempt's lease (activities/send-attempt.ts): the shortest the 15 s Twilio timeout allows.
      SEND_LEASE: '19s',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  workers.push(child);
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (c) => {
      err += c;
      if (err.includes('worker running')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it ran:\n${err}`)));
  });
  return child;
}

describe('a worker killed mid-batch', () => {
  it('produces zero duplicates and zero lost recipients', async () => {
    // The worker processes decide on the real clock under the contact policy: recipients in a zone inside its window now.
    const phones = numbersOpenAt(new Date(), 120, 3000);
    await seedContacts(db.pool, phones.map((phone) => ({ phone })));
    const id = await insertCampaign(
      db.pool,
      parseCampaign({
        name: 'crash',
        category: 'marketing',
        audience: { tiers: ['A'] },
        templates: { sms: { en: 'Sale at {{brand}}' } },
        rateLimit: { sms: 20 }, // slow enough to be killed in the middle of a batch
      }),
    );
    const first = await startWorkerProcess();
    const handle = await client.workflow.start('campaignWorkflow', { taskQueue, workflowId: campaignWorkflowId(id), args: [{ campaignId: id, lanes: 2, batchSize: 25 }] });
    await expect.poll(() => sandbox.messages({ direction: 'outbound-api' }).length, { timeout: 60_000, interval: 50 }).toBeGreaterThanOrEqual(30);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const sentBeforeRestart = sandbox.messages({ direction: 'outbound-api' }).length;
    expect(sentBeforeRestart).toBeLessThan(120); // really killed in the middle
    await startWorkerProcess();
    const status = await handle.result();
    expect(status.phase).toBe('completed');

    const outbound = sandbox.messages({ direction: 'outbound-api' });
    const perNumber = new Map<string, number>();
    for (const m of outbound) perNumber.set(m.to, (perNumber.get(m.to) ?? 0) + 1);
    expect([...perNumber.values()].filter((n) => n > 1)).toEqual([]); // zero duplicates
    expect([...perNumber.keys()].sort()).toEqual([...phones].sort()); // zero lost
    const { rows } = await db.pool.query(`SELECT state, count(*)::int AS n FROM send_ledger WHERE campaign_id = $1 GROUP BY state`, [id]);
    expect(rows).toEqual([{ state: 'sent', n: 120 }]);
    expect((await handle.query(campaignStatus)).byState).toMatchObject({ sent: 120 });
  });
});
