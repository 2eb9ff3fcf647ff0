import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultActivityDeps } from '../activities';
import { createSandboxEmailSender } from '../channels/sandbox-email';
import { createSandboxSmsSender } from '../channels/sandbox-sms';
import { queryPlain } from './helpers/contacts';
import { isolatedDatabase, runCli, startTestWorker, type TestDatabase, type TestWorker } from './helpers/harness';
import { needlesOf } from './helpers/pii-needles';
import { findPersonalData } from './helpers/pii-scan';

// Personal data at rest (issue 17): after an import (with rejected rows), an events import (one
// event's properties naming a person) and a campaign over SMS and e-mail, no table holds a raw number or e-mail, nor its bare SHA-256, in
// any text or JSON column; the sends still went to the right numbers and addresses. A process
// started with keys that are not the database's refuses with a clear error.

const NOW = new Date('2026-11-18T15:00:00Z'); // Wednesday 10:00 in New York
const PEOPLE = [
  { phone: '+12125550401', email: 'ann.river@example.com', name: 'Ann River' },
  { phone: '+12125550402', email: 'ben.stone@example.com', name: 'Ben Stone' },
  { phone: '+12125550403', email: 'cleo.marsh@example.com', name: 'Cleo Marsh' },
  { phone: '+12125550404', email: 'dan.field@example.com', name: 'Dan Field' },
];
const REJECTED = { phone: '+1212555049', email: 'eve.rejected@example.com' }; // a number too short: rejected with its raw row
const STRANGER = '+12125550499'; // an event for a number that is not a contact
const ADDRESS = '55 Quiet Lane, Springfield';
const IN_PROPERTIES = { phone: '+447700900124', phoneAsWritten: '+44 7700 900124', email: 'zed.private@example.net' }; // in an event's properties

let db: TestDatabase;
let worker: TestWorker;
let env: Record<string, string>;
const sms = createSandboxSmsSender();
const email = createSandboxEmailSender('shop@example.net');
const dir = mkdtempSync(path.join(os.tmpdir(), 'reachloop-personal-data-'));

async function cli(args: string[], extra: Record<string, string> = {}) {
  const r = await runCli(args, { ...env, ...extra }, 120_000);
  if (r.code !== 0) throw new Error(`reachloop ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

beforeAll(async () => {
  db = await isolatedDatabase();
  worker = await startTestWorker(defaultActivityDeps(db.pool, { sms, email, now: () => NOW }));
  env = { TEMPORAL_ADDRESS: inject('temporalAddress'), DATABASE_URL: db.url, TEMPORAL_TASK_QUEUE: worker.taskQueue };
});

afterAll(async () => {
  await worker?.stop();
  await db?.drop();
});

describe('personal data at rest', () => {
  it('after an import, an events import and a campaign, no text or JSON column holds a raw number or e-mail or its bare SHA-256', async () => {
    const csv = path.join(dir, 'people.csv');
    writeFileSync(
      csv,
      [
        'customer_id,phone,email,name,channel,opt_in_at,last_order_at,order_value,order_count,shipping_address',
        ...PEOPLE.map((p, i) => `c${i},${p.phone},${p.email},${p.name},web,2026-01-0${i + 1}T10:00:00Z,2026-11-0${i + 1},${120 + i * 40},${3 + i},"${ADDRESS}"`),
        `c9,${REJECTED.phone},${REJECTED.email},Eve Rejected,web,2026-01-01T10:00:00Z,,,,`,
      ].join('\n'),
    );
    const imported = JSON.parse((await cli(['audience', 'import', csv, '--source', 'shop', '--json'])).stdout);
    expect(imported).toMatchObject({ accepted: 4 });
    expect(Object.values(imported.rejectedByReason as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(1);

    const events = path.join(dir, 'events.jsonl');
    writeFileSync(
      events,
      [
        JSON.stringify({ event_id: 'e1', event: 'login', phone: PEOPLE[0]!.phone, occurred_at: '2026-11-17T10:00:00Z' }),
        JSON.stringify({ event_id: 'e2', event: 'purchase', phone: STRANGER, occurred_at: '2026-11-17T11:00:00Z' }),
        `{"event_id": "e3", "phone": "${PEOPLE[1]!.phone}", "email": "${PEOPLE[1]!.email}", not json`,
        // A sender's properties naming a person (free text, a nested field): stored masked, with a warning each.
        JSON.stringify({ event_id: 'e4', event: 'feedback_submit', phone: PEOPLE[2]!.phone, occurred_at: '2026-11-17T12:00:00Z', properties: { text: `Call me on ${IN_PROPERTIES.phoneAsWritten} or mail ${IN_PROPERTIES.email}`, rating: 4, buyer: { email: PEOPLE[3]!.email } } }),
      ].join('\n'),
    );
    const eventsReport = JSON.parse((await cli(['events', 'import', events, '--json'])).stdout);
    expect(eventsReport.warningsByReason).toMatchObject({ personal_data_masked: 2 });

    const file = path.join(dir, 'campaign.yaml');
    writeFileSync(
      file,
      'name: at-rest\ncategory: marketing\nbrand: Acme\nchannels: { A: email, B: sms, C: sms }\nfallback: false\n' +
        'templates:\n  sms: { en: "Hi {{name}}, 20% off at {{brand}}." }\n  email: { en: { subject: "20% off", text: "Hi {{name}}, 20% off." } }\n',
    );
    const created = JSON.parse((await cli(['campaign', 'create', file, '--json'])).stdout);
    await cli(['campaign', 'launch', String(created.id)]);
    let status: { phase: string; byState: Record<string, number> } | undefined;
    for (let i = 0; i < 120 && status?.phase !== 'completed'; i++) {
      status = JSON.parse((await cli(['campaign', 'status', String(created.id), '--json'])).stdout);
      if (status?.phase !== 'completed') await new Promise((r) => setTimeout(r, 500));
    }
    expect(status?.phase).toBe('completed');

    // Every send went to the contact's own number or address, decrypted at send time.
    const sent = await queryPlain(
      db.pool,
      `SELECT l.channel, c.phone_enc, (SELECT e.email_enc FROM contact_emails e WHERE e.contact_id = c.id LIMIT 1) AS email_enc
       FROM send_ledger l JOIN contacts c ON c.id = l.contact_id WHERE l.campaign_id = $1 AND l.state <> 'released'`,
      [created.id],
    );
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.length).toBe(sms.sent().length + email.sent().length);
    for (const s of sent) {
      if (s.channel === 'sms') expect(sms.sent().map((m) => m.to)).toContain(s.phone_e164);
      else expect(email.sent().map((m) => m.to)).toContain(s.email);
    }

    const needles = needlesOf([...PEOPLE.flatMap((p) => [p.phone, p.email]), REJECTED.email, STRANGER, IN_PROPERTIES.phone, IN_PROPERTIES.email]);
    expect(await findPersonalData(db.pool, needles)).toEqual([]);
    expect(await findPersonalData(db.pool, { texts: [...PEOPLE.map((p) => p.name), ADDRESS] })).toEqual([]);
    // The scan finds what is there: the ledger's campaign name is in clear, as it should be.
    expect(await findPersonalData(db.pool, { texts: ['at-rest'] })).not.toEqual([]);
    // And the operator's view is made from the decrypted values (masked as contact show masks them).
    const shown = JSON.parse((await cli(['contact', 'show', PEOPLE[0]!.phone, '--reason', 'test read', '--json'])).stdout);
    expect(shown).toMatchObject({ phone: '+121****0401', emails: ['a***@example.com'] });
  });

  const key = () => randomBytes(32).toString('base64');
  const stored = () => process.env.REACHLOOP_DATA_KEYS!;
  it.each([
    ['another key under the same id', () => ({ REACHLOOP_DATA_KEYS: `${stored().split(':')[0]}:${key()}`, REACHLOOP_LOOKUP_KEY: process.env.REACHLOOP_LOOKUP_KEY! }), /holds a different key under the id/],
    ['no key for the id the data is under', () => ({ REACHLOOP_DATA_KEYS: `k9:${key()}`, REACHLOOP_LOOKUP_KEY: process.env.REACHLOOP_LOOKUP_KEY! }), /REACHLOOP_DATA_KEYS has no key "t1"/],
    ['another lookup key', () => ({ REACHLOOP_DATA_KEYS: stored(), REACHLOOP_LOOKUP_KEY: key() }), /REACHLOOP_LOOKUP_KEY is not the lookup key chain of this database/],
    ['a data key without its lookup key', () => ({ REACHLOOP_DATA_KEYS: stored(), REACHLOOP_LOOKUP_KEY: '' }), /set together or not at all/],
  ])('refuses to start with %s, in one clear line', async (_, keys, message) => {
    const out = path.join(dir, 'export.csv');
    const r = await runCli(['audience', 'export-hashed', '--out', out, '--segment', 'all', '--reason', 'test export'], { ...env, ...keys() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('the worker refuses to start with a wrong key before it polls', async () => {
    const r = await runCli(['worker'], { ...env, REACHLOOP_DATA_KEYS: `${stored().split(':')[0]}:${key()}`, REACHLOOP_LOOKUP_KEY: process.env.REACHLOOP_LOOKUP_KEY! }, 60_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/holds a different key under the id "t1"/);
  });
});
