import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { defaultActivityDeps } from '../activities';
import { snapshotOf } from '../services/messages';
import { createSandboxLookup } from '../channels/sandbox-lookup';
import type { NumberStatus } from '../core/number-status';
import { phoneHash } from '../db/contacts';
import { applyPendingOptOuts, recordPendingOptOut, settlePendingOptOuts } from '../db/pending-optouts';
import { loadRecipients } from '../db/recipients';
import { inTransaction } from '../db/transaction';
import { freePort } from '../infra/net';
import { startTwilioSandbox, type TwilioSandbox } from '../sandbox/twilio-server';
import { buildServer } from '../server';
import { seedContacts, sealedText } from './helpers/contacts';
import { isolatedDatabase, runCli, startTestWorker, type TestDatabase, type TestWorker } from './helpers/harness';
import { seal } from './helpers/contacts';

// An opt-out from a number that is not a contact yet: the handset's signed STOP reaches the real
// inbound webhook, is kept by phone hash with its proof, and `reachloop audience import` (the CLI
// as a child process, the AudienceIntake workflow on a real worker) brings the number in already
// opted out. A START before the import cancels it.

const NOW = new Date('2026-11-25T15:00:00Z');
const STOP_AT = new Date('2026-11-20T08:30:00Z');
const AUTH_TOKEN = randomBytes(16).toString('hex');
const FROM = '+15005550006';
const STOPPER = '+12125550301'; // STOP, then imported
const CHANGED_MIND = '+12125550302'; // STOP, START, then imported
const PLAIN = '+12125550303'; // imported, never wrote
const LATE = '+12125550304'; // becomes a contact while its STOP is being recorded
const RACED = '+12125550305'; // its STOP commits while an import of it is committing

let db: TestDatabase;
let sandbox: TwilioSandbox;
let app: FastifyInstance;
let worker: TestWorker;
let env: Record<string, string>;
let inboundAt = STOP_AT;
const logs: string[] = [];
const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-pending-optouts-'));

beforeAll(async () => {
  db = await isolatedDatabase();
  const port = await freePort();
  const publicBaseUrl = `http://127.0.0.1:${port}`;
  sandbox = await startTwilioSandbox({ authToken: AUTH_TOKEN, defaultFrom: FROM, inboundWebhookUrl: `${publicBaseUrl}/webhooks/twilio/inbound` });
  app = buildServer({ pool: db.pool, twilio: { publicBaseUrl, authToken: () => AUTH_TOKEN, now: () => inboundAt, log: (l) => logs.push(l) } });
  await app.listen({ host: '127.0.0.1', port });
  const lookup = createSandboxLookup(new Map<string, NumberStatus>([STOPPER, CHANGED_MIND, PLAIN].map((n) => [n, 'active'])));
  worker = await startTestWorker(defaultActivityDeps(db.pool, { lookup, now: () => NOW }));
  env = { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: db.url, TEMPORAL_TASK_QUEUE: worker.taskQueue };
});

afterAll(async () => {
  await app?.close();
  await worker?.stop();
  await sandbox?.stop();
  await db?.drop();
});

const pending = async () => (await db.pool.query('SELECT phone_hash, channel, source, proof, received_at FROM pending_opt_outs ORDER BY phone_hash')).rows;
const receipt = async (sid: string) => (await db.pool.query('SELECT result, contact_id FROM twilio_webhooks WHERE message_sid = $1', [sid])).rows[0];
const contactId = async (e164: string) => {
  const { rows } = await db.pool.query('SELECT id FROM contacts WHERE phone_hash = $1', [phoneHash(e164)]);
  return rows[0] ? Number(rows[0].id) : undefined;
};
const suppressionsOf = async (id: number) => (await db.pool.query('SELECT channel, kind, source, proof, created_at FROM suppressions WHERE contact_id = $1', [id])).rows;

describe('an opt-out from a number that is not yet a contact', () => {
  let stopSid: string;

  it('is kept by phone hash with its proof (and answered with the opt-out confirmation)', async () => {
    const r = await sandbox.reply(STOPPER, undefined, 'STOP');
    expect(r.httpStatus).toBe(200);
    stopSid = r.sid;
    expect(await pending()).toEqual([
      {
        phone_hash: phoneHash(STOPPER),
        channel: 'sms',
        source: 'sms_keyword',
        proof: expect.objectContaining({ messageSid: r.sid, body_sealed: sealedText('STOP'), keyword: 'STOP', receivedAt: STOP_AT.toISOString(), to: FROM }),
        received_at: STOP_AT,
      },
    ]);
    expect(await receipt(r.sid)).toEqual({ result: 'pending_opt_out', contact_id: null });
    expect(logs.some((l) => l.includes('no contact') && l.includes('applies when the number is imported'))).toBe(true);
    expect(logs.join('\n')).not.toContain(STOPPER); // numbers are masked in logs
  });

  it('a START from the number before its import cancels it; a second STOP keeps the first proof', async () => {
    inboundAt = new Date(STOP_AT.getTime() + 60_000);
    const stop = await sandbox.reply(CHANGED_MIND, undefined, 'STOP');
    const start = await sandbox.reply(CHANGED_MIND, undefined, 'START');
    expect(start.httpStatus).toBe(200);
    expect(await receipt(stop.sid)).toMatchObject({ result: 'pending_opt_out' });
    expect(await receipt(start.sid)).toMatchObject({ result: 'pending_opt_out_cancelled' });
    const again = await sandbox.reply(STOPPER, undefined, 'UNSUBSCRIBE');
    expect(again.httpStatus).toBe(200);
    expect((await pending()).map((p) => [p.phone_hash, p.proof.messageSid])).toEqual([[phoneHash(STOPPER), stopSid]]);
  });

  it('`audience import` brings the number in opted out, with the original proof; the others are not', async () => {
    const file = path.join(dir, 'people.csv');
    writeFileSync(file, ['phone,name,opt_in_at', `${STOPPER},Sam,2026-01-01`, `${CHANGED_MIND},Cy,2026-01-01`, `${PLAIN},Pat,2026-01-01`].join('\n'));
    const res = await runCli(['audience', 'import', file, '--json'], env);
    expect(res.code, res.stderr).toBe(0);

    const sam = (await contactId(STOPPER))!;
    expect(await suppressionsOf(sam)).toEqual([
      {
        channel: 'sms',
        kind: 'opt_out',
        source: 'sms_keyword',
        proof: expect.objectContaining({ messageSid: stopSid, body_sealed: sealedText('STOP'), keyword: 'STOP', receivedAt: STOP_AT.toISOString() }),
        created_at: STOP_AT,
      },
    ]);
    expect(await suppressionsOf((await contactId(CHANGED_MIND))!)).toEqual([]);
    expect(await suppressionsOf((await contactId(PLAIN))!)).toEqual([]);
    expect(await pending()).toEqual([]);

    // The next send decision sees it, and `contact show` lists it.
    const snap = snapshotOf((await loadRecipients(db.pool, [sam], 'marketing')).get(sam)!);
    expect(snap.optedOut).toEqual({ sms: true, email: false });
    const shown = await runCli(['contact', 'show', '--reason', 'test read', STOPPER, '--json'], env);
    expect(shown.code, shown.stderr).toBe(0);
    const profile = JSON.parse(shown.stdout);
    expect(profile.suppressions).toEqual([expect.objectContaining({ channel: 'sms', kind: 'opt_out', source: 'sms_keyword', at: STOP_AT.toISOString() })]);
    // Its unsubscribe events (the STOP, and the later UNSUBSCRIBE) attached to it as well.
    expect(profile.activity.unsubscribedAt).toBe(new Date(STOP_AT.getTime() + 60_000).toISOString());
  });

  it('re-importing the file changes nothing; a START after the import lifts the opt-out as for any contact', async () => {
    const res = await runCli(['audience', 'import', path.join(dir, 'people.csv'), '--json'], env);
    expect(res.code, res.stderr).toBe(0);
    const sam = (await contactId(STOPPER))!;
    expect(await suppressionsOf(sam)).toHaveLength(1);
    const start = await sandbox.reply(STOPPER, undefined, 'START');
    expect(await receipt(start.sid)).toEqual({ result: 'opt_in', contact_id: String(sam) });
    expect(await suppressionsOf(sam)).toEqual([]);
  });

  it('a number that became a contact since the webhook looked gets the suppression at once', async () => {
    const [late] = await seedContacts(db.pool, [{ phone: LATE }]);
    await inTransaction(db.pool, (client) =>
      recordPendingOptOut(client, { phoneHash: phoneHash(LATE), channel: 'sms', source: 'sms_keyword', proof: { messageSid: 'SMlate' } }, NOW),
    );
    expect(await suppressionsOf(late!)).toEqual([{ channel: 'sms', kind: 'opt_out', source: 'sms_keyword', proof: { messageSid: 'SMlate' }, created_at: NOW }]);
    expect(await pending()).toEqual([]);
  });

  it('a STOP committed while an import of the number commits: blocks the next send at once, and is settled after both commits', async () => {
    const hash = phoneHash(RACED);
    // The import's merge transaction creates the contact and finds nothing pending ...
    const importTx = await db.pool.connect();
    let racedId: number;
    try {
      await importTx.query('BEGIN');
      const { rows } = await importTx.query(`INSERT INTO contacts (phone_hash, phone_enc, line_type) VALUES ($1, $2, 'mobile') RETURNING id`, [hash, seal(RACED)]);
      racedId = Number(rows[0].id);
      expect(await applyPendingOptOuts(importTx, new Map([[hash, racedId]]))).toBe(0);
      // ... while the STOP is recorded and committed; it cannot see the uncommitted contact.
      await inTransaction(db.pool, (client) => recordPendingOptOut(client, { phoneHash: hash, channel: 'sms', source: 'sms_keyword', proof: { messageSid: 'SMraced' } }, NOW));
      await importTx.query('COMMIT');
    } finally {
      importTx.release();
    }
    expect(await suppressionsOf(racedId)).toEqual([]);
    // Not applied yet, but the send-time check reads it by phone hash: no send gets through.
    const snap = snapshotOf((await loadRecipients(db.pool, [racedId], 'marketing')).get(racedId)!);
    expect(snap.optedOut).toEqual({ sms: true, email: false });
    // The import settles after its commit (and the webhook after its own): applied, nothing pending.
    expect(await settlePendingOptOuts(db.pool, new Map([[hash, racedId]]))).toBe(1);
    expect(await suppressionsOf(racedId)).toEqual([{ channel: 'sms', kind: 'opt_out', source: 'sms_keyword', proof: { messageSid: 'SMraced' }, created_at: NOW }]);
    expect(await pending()).toEqual([]);
    expect(await settlePendingOptOuts(db.pool, [hash])).toBe(0); // the other side's settle finds it done
  });
});
