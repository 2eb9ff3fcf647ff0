import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getCountryCallingCode, type CountryCode } from 'libphonenumber-js';
import { afterAll, describe, expect, it } from 'vitest';
import { isPublicHoliday } from '../core/holidays';
import { subdivisionOfNumber } from '../core/phone/subdivision';
import { countryLevelTimeZones } from '../core/phone/timezones';
import { CONTACT_POLICY } from '../core/policy/contact-policy';
import { effectiveWindow, windowSources, type CampaignTerms } from '../core/policy/effective';
import { isOpenAt } from '../core/send-window';
import { createPool } from '../db/pool';
import { dataCodec } from '../infra/data-keys';
import { startEmbeddedPostgres } from '../infra/embedded-postgres';
import { DateTime } from 'luxon';
import { runCli } from './helpers/harness';

// README's first command: `npx reachloop demo` on the embedded default, in a fresh state folder
// (its own Temporal dev server, embedded PostgreSQL, worker, HTTP server and sandbox channels).
const state = mkdtempSync(path.join(os.tmpdir(), 'reachloop-demo-'));
chmodSync(state, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
afterAll(() => rmSync(state, { recursive: true, force: true }));

describe('reachloop demo', () => {
  it('imports a sample audience, runs the campaign, and closes the feedback loop through the webhooks', async () => {
    const r = await runCli(['demo', '--rows', '800', '--json'], { REACHLOOP_STATE_DIR: state, HTTP_PORT: undefined, LOG_LEVEL: undefined }, 240_000);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.import.rowsRead).toBe(804); // 800 generated, 4 scripted (client/demo/scenes.ts)
    expect(out.import.accepted).toBeGreaterThan(500);
    // The customers' events (issue 20): the audience falls into all four tiers, A the smallest
    // reachable group, tier B (e-mail every two weeks) reachable by e-mail.
    expect(out.events.stored).toBeGreaterThan(500);
    const tiers = out.tiers.tiers as Record<'A' | 'B' | 'C' | 'D', { count: number; withEmail: number }>;
    console.log(`demo audience: ${(['A', 'B', 'C', 'D'] as const).map((t) => `${t} ${tiers[t].count}`).join(', ')}`);
    for (const t of ['A', 'B', 'C', 'D'] as const) expect(tiers[t].count, t).toBeGreaterThan(0);
    expect(tiers.A.count).toBeLessThan(tiers.B.count);
    expect(tiers.A.count).toBeLessThan(tiers.C.count);
    expect(tiers.B.withEmail / tiers.B.count).toBeGreaterThan(0.8);
    // Under the contact policy: every recipient sent, skipped, or deferred to their next opening.
    const states = out.progress.byState as Record<string, number>;
    expect(out.progress.planned).toBeGreaterThan(0);
    expect(out.progress.dueNow).toBe(0);
    expect(Object.keys(states).every((k) => ['sent', 'skipped', 'deferred', 'failed'].includes(k))).toBe(true);
    if (states.deferred) expect(Date.parse(out.progress.nextAt)).toBeGreaterThan(Date.now() - 60_000);
    const sent = Object.values(out.campaign.sentByChannel as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(sent).toBe(states.sent ?? 0);
    // A demo audience spans every zone of the day: at any hour someone is in their window.
    expect(sent).toBeGreaterThan(0);
    // Every message got its final status back through the signed status callbacks.
    expect(out.feedback.pending).toBe(0);
    const outcomes = out.feedback.outcomes as Record<string, number>;
    expect(Object.values(outcomes).reduce((a, b) => a + b, 0)).toBe(sent);
    expect(outcomes.delivered).toBeGreaterThan(0);
    // The scripted handsets: numbers ending 13 fail with 30003, 66 answer STOP.
    expect(Object.keys(outcomes).every((k) => ['delivered', 'undelivered:30003', 'undelivered:30007', 'email:sent'].includes(k))).toBe(true);
    // Tier B is reached by e-mail (the tier strategy's lighter touch).
    if (out.progress.sentByTier.B) expect(outcomes['email:sent']).toBeGreaterThan(0);
    // Approved through the approval signal, as `reachloop campaign approve` does.
    expect(out.approvedBy).toBe('demo');
    expect(out.campaign.approvedBy).toBe('demo');
    // Deferred recipients are listed by zone, until their opening in local time and UTC.
    const deferredListed = (out.deferred as Array<{ count: number; untilUtc: string; untilLocal: string }>).reduce((n, d) => n + d.count, 0);
    if (states.deferred) expect(deferredListed).toBeGreaterThan(0);
    for (const d of out.deferred) expect(d.untilLocal).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    // The campaign report agrees with the ledger, and its HTML file was written.
    expect(out.report.funnel.delivered).toBe(outcomes.delivered);
    expect(existsSync(out.reportHtml)).toBe(true);

    // Every recipient of the audience is accounted for: sent, deferred, skipped or failed.
    expect(['sent', 'deferred', 'skipped', 'failed'].reduce((n, k) => n + (states[k] ?? 0), 0)).toBe(out.progress.planned);

    // The scripted handsets: a STOP, a reply, a changed number merged after its "Y".
    const scenes = out.scenes;
    expect(scenes.stop).toMatchObject({ outcome: 'delivered', channel: 'sms', optedOut: true });
    expect(scenes.reply).toMatchObject({ outcome: 'delivered', channel: 'sms', optedOut: false, replies: 1 });
    expect(scenes.recovery).toMatchObject({ outcome: 'undelivered:30003', channel: 'sms', recoveryCase: { state: 'confirmed', candidateContactId: scenes.recovery.newContactId } });
    expect(scenes.recovery.mergedInto).toBe(scenes.recovery.newContactId);
    expect(r.stderr).toBe('');

    // The stored truth, read from the demo's own embedded PostgreSQL once it stopped.
    const pg = await startEmbeddedPostgres({ dataDir: path.join(state, 'postgres', 'data') });
    const pool = createPool(pg.url, 2);
    // The numbers are encrypted at rest under the suite's keys (REACHLOOP_DATA_KEYS, which the demo inherited).
    const codec = dataCodec();
    try {
      const campaignId = out.campaign.campaignId;
      const sends = (
        await pool.query(
          `SELECT l.contact_id, l.channel, l.sent_at, c.phone_enc, c.country, c.time_zones
             FROM send_ledger l JOIN contacts c ON c.id = l.contact_id WHERE l.campaign_id = $1 AND l.sent_at IS NOT NULL`,
          [campaignId],
        )
      ).rows.map((r) => ({ ...r, phone_e164: codec.decrypt(r.phone_enc) }));
      expect(sends.length).toBe(sent);
      // No send outside its recipient's window: the contact policy's marketing window with the
      // regional law of the recipient's country and state, in each of its zones, on no public holiday.
      const terms: CampaignTerms = { category: 'marketing', urgent: false, window: null, countryWindows: {}, holidays: 'defer', workingDaysOnly: false, caps: undefined };
      const outside = sends.filter((row) => {
        const place = { country: row.country, subdivision: subdivisionOfNumber(row.phone_e164, row.country) };
        const w = effectiveWindow(windowSources(CONTACT_POLICY, terms, place, row.channel));
        if (!('window' in w)) return true;
        const countryZones = row.country ? countryLevelTimeZones(getCountryCallingCode(row.country as CountryCode)) : [];
        const zones: string[] = row.time_zones.length ? row.time_zones : [...countryZones];
        const holiday = zones.some((z) => row.country && isPublicHoliday(row.country, place.subdivision, DateTime.fromJSDate(row.sent_at, { zone: z }).toISODate()!));
        return holiday || !isOpenAt(row.sent_at, zones, w.window, { countryZones });
      });
      expect(outside.map((o) => `${o.contact_id} ${o.country} ${o.time_zones} ${o.sent_at.toISOString()}`)).toEqual([]);

      // Every STOP (the scripted handset and the sample's numbers ending 66) is suppressed, and
      // nothing was sent to its contact after it.
      const stops = (
        await pool.query(
          `SELECT l.contact_id, c.phone_enc, s.created_at AS suppressed_at,
                  (SELECT count(*)::int FROM send_ledger x WHERE x.contact_id = l.contact_id AND x.sent_at > s.created_at) AS after
             FROM send_ledger l JOIN contacts c ON c.id = l.contact_id
             LEFT JOIN suppressions s ON s.contact_id = l.contact_id AND s.kind = 'opt_out' AND s.channel IN ('sms', 'all')
            WHERE l.campaign_id = $1 AND l.channel = 'sms' AND l.state = 'delivered'`,
          [campaignId],
        )
      ).rows.filter((r) => codec.decrypt(r.phone_enc).endsWith('66') || Number(r.contact_id) === scenes.stop.contactId);
      expect(stops.length).toBeGreaterThan(0);
      for (const s of stops) {
        expect(s.suppressed_at, `contact ${s.contact_id}`).not.toBeNull();
        expect(s.after, `contact ${s.contact_id}`).toBe(0);
      }

      // The recovered customer: the old contact is an alias of the new one, and suppressed itself.
      const { rows: alias } = await pool.query(`SELECT contact_id FROM contact_aliases WHERE old_contact_id = $1`, [scenes.recovery.contactId]);
      expect(alias.map((a) => Number(a.contact_id))).toEqual([scenes.recovery.newContactId]);
    } finally {
      await pool.end();
      await pg.stop();
    }
  }, 300_000);
});
