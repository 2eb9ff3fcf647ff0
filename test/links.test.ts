import type { ParsedMail } from 'mailparser';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCampaign } from '../core/campaign/definition';
import { analyzeSms } from '../core/sms';
import { insertCampaign } from '../db/campaigns';
import { loadContactProfile } from '../db/contact-profile';
import type { TwilioSandbox } from '../sandbox/twilio-server';
import { campaignWorkflowId } from '../workflows/ids';
import type { CampaignStatus } from '../workflows/messages/campaign';
import { seedContacts } from './helpers/contacts';
import type { TestDatabase, TestWorker } from './helpers/harness';
import { startStack, type Stack } from './helpers/stack';

// Short tracked links end to end: a campaign with links.track sends through the real `twilio`
// library to the local Twilio-shaped server; the handset receives PUBLIC_BASE_URL/l/CODE instead
// of the URL; GET /l/CODE on the real HTTP server redirects to the URL and records a link_click
// event that moves the contact's activity. Previews and HEAD requests redirect without counting.

const NOW = new Date('2026-11-25T15:00:00Z'); // 10:00 in New York: inside the send window
const ANN = '+12125550201';
const BEN = '+12125550202';
const LOU = '+12125550203'; // the API response of the send is lost, and its callbacks come late
const EVE = '+12125550204'; // gets the e-mail
const CART = 'https://shop.example/cart?item=1&size=M';
const SALE = 'https://shop.example/spring?utm_source=sms&utm_campaign=spring-2026';
const HELP = 'https://shop.example/help';
const PHONE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

let stack: Stack;
let db: TestDatabase;
let sandbox: TwilioSandbox;
let mails: ParsedMail[];
let worker: TestWorker;
let client: Client;
let publicBaseUrl: string;
let logs: string[];
let ids: number[];
/** The HTTP server's clock: clicks happen an hour after the send, then later. */
let clock = new Date(NOW.getTime() + 3_600_000);
let campaignId: number;

beforeAll(async () => {
  stack = await startStack({
    now: () => NOW,
    sandbox: { rules: [{ to: LOU, loseResponse: 'reset', times: 1, delaysMs: { queued: 3_600_000, sent: 3_600_000, final: 3_600_000 } }] },
    // The decision clock is pinned, the sandbox's is real: reconciliation lists every message to the number.
    sms: { clockSkewMs: 10 * 365 * 86_400_000 },
    smtp: true,
    server: { twilio: { now: () => clock } },
  });
  ({ db, worker, client, publicBaseUrl, mails, logs } = stack);
  sandbox = stack.sandbox!;
  ids = await seedContacts(db.pool, [
    { phone: ANN, name: 'Ann' },
    { phone: BEN, name: 'Ben' },
    { phone: LOU, name: 'Lou' },
    { phone: EVE, name: 'Eve', tier: 'B', email: 'eve@example.net' },
  ]);
  campaignId = await runCampaign(ids.slice(0, 2));
  await sandbox.idle();
});

/** A marketing SMS campaign with tracked links to these contacts, run to its end. */
async function runCampaign(contactIds: number[]): Promise<number> {
  const id = await insertCampaign(
    db.pool,
    parseCampaign({
      name: 'spring links',
      category: 'marketing',
      brand: 'Acme',
      audience: { contactIds },
      channels: { A: 'sms', B: 'sms', C: 'sms', D: 'sms' },
      templates: { sms: { en: `Hi {{name}}, spring sale at {{brand}}: ${SALE} (questions: ${HELP}).` } },
      links: { track: true },
    }),
  );
  const status = (await client.workflow.execute('campaignWorkflow', {
    taskQueue: worker.taskQueue,
    workflowId: campaignWorkflowId(id),
    args: [{ campaignId: id, lanes: 1, batchSize: 50 }],
  })) as CampaignStatus;
  expect(status.phase).toBe('completed');
  return id;
}

afterAll(() => stack?.stop());

const codesIn = (body: string) => [...body.matchAll(/\/l\/([0-9A-Za-z]+)/g)].map((m) => m[1]!);
const sentTo = (phone: string) => {
  const sent = sandbox.messages({ to: phone, direction: 'outbound-api' });
  expect(sent).toHaveLength(1);
  return sent[0]!;
};
const link = async (code: string) => (await db.pool.query('SELECT * FROM tracked_links WHERE code = $1', [code])).rows[0];
const clicksOf = async (contactId: number) =>
  (await db.pool.query(`SELECT event_id, tag, properties, occurred_at FROM events WHERE contact_id = $1 AND tag = 'link_click' ORDER BY occurred_at`, [contactId])).rows;
const open = (code: string, init: RequestInit & { ua?: string } = {}) =>
  fetch(`${publicBaseUrl}/l/${code}`, { redirect: 'manual', ...init, headers: { 'user-agent': init.ua ?? PHONE_UA } });

describe('tracked links in SMS', () => {
  it('the handset receives PUBLIC_BASE_URL/l/CODE instead of each URL; segments are counted on that text', async () => {
    const ann = sentTo(ANN);
    expect(ann.body).not.toContain('shop.example');
    const [sale, help] = codesIn(ann.body);
    expect(ann.body).toBe(`Hi Ann, spring sale at Acme: ${publicBaseUrl}/l/${sale} (questions: ${publicBaseUrl}/l/${help}). Reply STOP to opt out`);
    const { rows } = await db.pool.query('SELECT id, segments, encoding FROM send_ledger WHERE campaign_id = $1 AND contact_id = $2', [campaignId, ids[0]]);
    expect(rows[0]).toMatchObject({ segments: analyzeSms(ann.body).segments, encoding: 'GSM-7' });
    expect(rows[0].segments).toBe(ann.numSegments);
    // Stored before the send, with the ledger row of the message they went out in.
    expect(await link(sale!)).toMatchObject({ campaign_id: String(campaignId), contact_id: String(ids[0]), ledger_id: rows[0].id, url: SALE, clicks: 0, first_click_at: null });
    expect(await link(help!)).toMatchObject({ url: HELP, contact_id: String(ids[0]) });
  });

  it('every recipient has codes of their own', async () => {
    const [annSale] = codesIn(sentTo(ANN).body);
    const [benSale] = codesIn(sentTo(BEN).body);
    expect(benSale).not.toBe(annSale);
    expect(await link(benSale!)).toMatchObject({ contact_id: String(ids[1]), url: SALE });
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM tracked_links WHERE campaign_id = $1', [campaignId]);
    expect(rows[0].n).toBe(4);
  });

  it('a send whose API response was lost is reconciled by its text, links included: never sent twice', async () => {
    // The retried batch rebuilds the message; its codes are derived, so the text matches the
    // provider's copy exactly. Random codes would not match, and the SMS would go out twice.
    const lou = ids[2]!;
    const id = await runCampaign([lou]);
    const sent = sandbox.messages({ to: LOU, direction: 'outbound-api' });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.responseLost).toBe(true);
    const { rows } = await db.pool.query('SELECT state, provider_id FROM send_ledger WHERE campaign_id = $1 AND contact_id = $2', [id, lou]);
    expect(rows).toEqual([{ state: 'sent', provider_id: sent[0]!.sid }]);
    const decisions = await db.pool.query('SELECT decision, reason FROM campaign_decisions WHERE campaign_id = $1 AND contact_id = $2 ORDER BY id', [id, lou]);
    expect(decisions.rows.at(-1)).toEqual({ decision: 'SEND', reason: 'reconciled' });
    const stored = await db.pool.query('SELECT code, url FROM tracked_links WHERE contact_id = $1 ORDER BY url', [lou]);
    expect(stored.rows.map((r) => r.url).sort()).toEqual([HELP, SALE].sort());
    expect(codesIn(sent[0]!.body).sort()).toEqual(stored.rows.map((r) => r.code).sort());
  });

  it('HEAD and link previews are redirected but not counted', async () => {
    const [sale] = codesIn(sentTo(ANN).body);
    const head = await open(sale!, { method: 'HEAD' });
    expect(head.status).toBe(302);
    expect(head.headers.get('location')).toBe(SALE);
    const preview = await open(sale!, { ua: 'facebookexternalhit/1.1 Facebot Twitterbot/1.0' });
    expect(preview.status).toBe(302);
    expect(preview.headers.get('location')).toBe(SALE);
    expect(await clicksOf(ids[0]!)).toEqual([]);
    expect((await link(sale!)).clicks).toBe(0);
  });

  it('GET /l/CODE redirects to the URL and records a link_click event, visible in the contact profile', async () => {
    const [sale] = codesIn(sentTo(ANN).body);
    const before = await loadContactProfile(db.pool, ids[0]!);
    expect(before!.activity.clicks ?? 0).toBe(0);

    const r = await open(sale!);
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe(SALE);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');

    const events = await clicksOf(ids[0]!);
    expect(events).toEqual([
      { event_id: expect.stringMatching(new RegExp(`^link:${sale}:\\d+$`)), tag: 'link_click', properties: { url: SALE, code: sale, campaign: String(campaignId) }, occurred_at: clock },
    ]);
    expect(await link(sale!)).toMatchObject({ clicks: 1, first_click_at: clock, last_click_at: clock });
    const after = await loadContactProfile(db.pool, ids[0]!);
    expect(after!.activity).toMatchObject({ clicks: 1, lastActivityAt: clock.toISOString() });
    expect(after!.score.parts.find((p) => p.input === 'clicks')).toMatchObject({ value: 1 });
    expect(after!.score.total).toBeGreaterThan(before!.score.total);
    expect(logs).toContain(`link ${sale} clicked (contact ${ids[0]}, campaign ${campaignId})`);
  });

  it('a double tap is one click; a later tap counts again', async () => {
    const [sale] = codesIn(sentTo(ANN).body);
    expect((await open(sale!)).status).toBe(302); // same instant as the click before: the same event
    expect(await clicksOf(ids[0]!)).toHaveLength(1);
    const first = clock;
    clock = new Date(clock.getTime() + 60_000);
    expect((await open(sale!)).status).toBe(302);
    expect(await clicksOf(ids[0]!)).toHaveLength(2);
    expect(await link(sale!)).toMatchObject({ clicks: 2, first_click_at: first, last_click_at: clock });
    expect((await loadContactProfile(db.pool, ids[0]!))!.activity).toMatchObject({ clicks: 2 });
    expect(await clicksOf(ids[1]!)).toEqual([]); // Ben's links are his own
  });

  it('an unknown or malformed code gets a 404 page and no redirect (no open redirect)', async () => {
    for (const path of ['/l/AAAAAAAAAAA', '/l/short', `/l/${encodeURIComponent('https://evil.example')}`, '/l/AAAAAAAAAAA?to=https://evil.example']) {
      const r = await fetch(`${publicBaseUrl}${path}`, { redirect: 'manual', headers: { 'user-agent': PHONE_UA } });
      expect(r.status, path).toBe(404);
      expect(r.headers.get('location')).toBeNull();
      expect(await r.text()).toMatch(/This link is not valid/);
    }
    expect((await fetch(`${publicBaseUrl}/l/AAAAAAAAAAA`, { method: 'HEAD' })).status).toBe(404);
  });
});

describe('tracked links in e-mail', () => {
  it('both parts carry the short links (one code per URL), the unsubscribe link stays as it is; a click counts', async () => {
    const eve = ids[3]!;
    const id = await insertCampaign(
      db.pool,
      parseCampaign({
        name: 'cart links',
        category: 'marketing',
        brand: 'Acme',
        audience: { contactIds: [eve] },
        channels: { A: 'email', B: 'email', C: 'email', D: 'email' },
        templates: {
          email: {
            en: {
              subject: 'Your cart, {{name}}',
              text: `Hi {{name}}, your cart: ${CART}\nHelp: ${HELP}`,
              html: `<p>Hi {{name}}, <a href="${CART.replace('&', '&amp;')}">your cart</a> (${HELP})</p>`,
            },
          },
        },
        links: { track: true },
      }),
    );
    const status = (await client.workflow.execute('campaignWorkflow', { taskQueue: worker.taskQueue, workflowId: campaignWorkflowId(id), args: [{ campaignId: id, lanes: 1, batchSize: 50 }] })) as CampaignStatus;
    expect(status).toMatchObject({ phase: 'completed', sentByChannel: { email: 1 } });
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    const text = mail.text!;
    const html = mail.html as string;
    expect(text + html).not.toContain('shop.example');
    const stored = (await db.pool.query('SELECT code, url FROM tracked_links WHERE campaign_id = $1 ORDER BY url', [id])).rows;
    expect(stored.map((r) => r.url)).toEqual([CART, HELP]); // the target without HTML escaping
    const [cart, help] = stored.map((r) => r.code as string);
    expect(codesIn(text).slice(0, 2)).toEqual([cart, help]);
    expect(codesIn(html)).toEqual([cart, help]);
    expect(html).toContain(`<a href="${publicBaseUrl}/l/${cart}">your cart</a>`);
    // The unsubscribe link, in the body and the List-Unsubscribe header, is not a tracked link.
    const unsubscribe = text.match(/Unsubscribe: (\S+)/)![1]!;
    expect(unsubscribe).not.toContain('/l/');
    const listUnsubscribe = mail.headerLines.find((h) => h.key === 'list-unsubscribe')!.line.replace(/\r?\n[ \t]+/g, ' ');
    expect(listUnsubscribe).toContain(`<${unsubscribe}>`);

    const r = await open(cart!);
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe(CART);
    expect(await clicksOf(eve)).toEqual([expect.objectContaining({ tag: 'link_click', properties: { url: CART, code: cart, campaign: String(id) } })]);
  });
});
