import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPacer } from '../services/pacing';
import { withLookupCache } from '../channels/cached-lookup';
import { ChannelConfigError } from '../channels/errors';
import { createTwilioLookup } from '../channels/twilio-lookup';
import { phoneHash } from '../db/contacts';
import { pgLookupCache } from '../db/lookup-cache';
import { startTwilioSandbox, type TwilioSandbox } from '../sandbox/twilio-server';
import { isolatedDatabase, type TestDatabase } from './helpers/harness';

// LOOKUP_PROVIDER=twilio end to end minus Twilio itself: the real `twilio` library
// (client.lookups.v2.phoneNumbers(n).fetch) over HTTP to the local Twilio-shaped server, whose
// scripted rules are the carrier; the cache in a real PostgreSQL; the process pacer.
const GOOD = '+8613800138000';
const DEAD = '+8613800138001'; // messages fail 30005: unknown handset
const OFF = '+8613800138002'; // messages fail 30003: unreachable handset
const LANDLINE = '+8613800138003';
const VOIP = '+8613800138004';
const INVALID = '+8610000'; // too short: Twilio's basic lookup says valid: false

describe('Twilio Lookup provider through the twilio library', () => {
  let sandbox: TwilioSandbox;
  let db: TestDatabase;
  const authToken = randomBytes(16).toString('hex');
  const provider = (o: { lineStatus?: boolean; ratePerSecond?: number; concurrency?: number; token?: string } = {}) =>
    createTwilioLookup({
      accountSid: sandbox.accountSid,
      authToken: o.token ?? authToken,
      apiBase: sandbox.url,
      lineStatus: o.lineStatus ?? false,
      ...(o.concurrency ? { concurrency: o.concurrency } : {}),
      ...(o.ratePerSecond ? { pacer: createPacer(o.ratePerSecond) } : {}),
    });

  beforeAll(async () => {
    [sandbox, db] = await Promise.all([
      startTwilioSandbox({
        authToken,
        rules: [
          { to: DEAD, errorCode: 30005 },
          { to: OFF, errorCode: 30003 },
          { to: LANDLINE, lineType: 'landline' },
          { to: VOIP, lineType: 'nonFixedVoip' },
        ],
      }),
      isolatedDatabase(),
    ]);
  });
  beforeEach(() => sandbox.clear());
  afterAll(async () => {
    await sandbox?.stop();
    await db?.drop();
  });

  it('maps the scripted carrier to our statuses and line types (Line Type Intelligence, and with Line Status)', async () => {
    const asked = [GOOD, DEAD, OFF, LANDLINE, VOIP, INVALID];
    expect(await provider().lookup(asked)).toEqual([
      { status: 'active', lineType: 'mobile' },
      'out_of_service', // not provisioned (60610): suspected, rechecked within a day
      { status: 'active', lineType: 'mobile' }, // line type alone cannot see a switched-off phone
      { status: 'active', lineType: 'fixed_line' },
      { status: 'active', lineType: 'voip' },
      'empty',
    ]);
    expect(sandbox.lookups().map((l) => l.fields)).toEqual(asked.map(() => ['line_type_intelligence']));
    expect(await provider({ lineStatus: true }).lookup(asked)).toEqual([
      { status: 'active', lineType: 'mobile' },
      'stopped',
      { status: 'switched_off', lineType: 'mobile' },
      { status: 'active', lineType: 'fixed_line' },
      { status: 'active', lineType: 'voip' },
      'empty',
    ]);
    expect(sandbox.lookups().at(-1)!.fields).toEqual(['line_type_intelligence', 'line_status']);
  });

  it('serves a second lookup of the same numbers from the PostgreSQL cache until the TTL passes', async () => {
    let now = new Date('2026-11-25T12:00:00Z');
    const lookup = withLookupCache(provider(), { store: pgLookupCache(db.pool), ttlMs: 24 * 3_600_000, now: () => now });
    const first = await lookup.lookup([GOOD, LANDLINE, DEAD]);
    expect(sandbox.lookups()).toHaveLength(3);
    // No number in the cache, only its hash.
    const rows = (await db.pool.query('SELECT * FROM number_lookup_cache ORDER BY status')).rows;
    expect(rows.map((r) => r.phone_hash).sort()).toEqual([GOOD, LANDLINE, DEAD].map(phoneHash).sort());
    expect(JSON.stringify(rows)).not.toContain('13800138');

    now = new Date(now.getTime() + 23 * 3_600_000);
    expect(await lookup.lookup([LANDLINE, GOOD, DEAD, GOOD])).toEqual([first[1], first[0], first[2], first[0]]);
    expect(sandbox.lookups()).toHaveLength(3); // all cache hits

    now = new Date(now.getTime() + 2 * 3_600_000); // 25 h after the first answers
    await lookup.lookup([GOOD, VOIP]);
    expect(sandbox.lookups().slice(3).map((l) => l.phoneNumber)).toEqual([GOOD, VOIP]);
  });

  it('does not cache an inconclusive answer', async () => {
    const cached = withLookupCache(
      { name: 'flaky', checksCarrier: true, lookup: async (ns) => ns.map(() => 'unknown' as const) },
      { store: pgLookupCache(db.pool), ttlMs: 3_600_000 },
    );
    await cached.lookup([OFF]);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM number_lookup_cache WHERE provider = 'flaky'`)).rows[0].n).toBe(0);
  });

  it('keeps to the rate limit: 12 numbers at 20 per second take at least 0.55 s, 4 in flight', async () => {
    const numbers = Array.from({ length: 12 }, (_, i) => `+86138001390${String(i).padStart(2, '0')}`);
    const t0 = Date.now();
    await provider({ ratePerSecond: 20, concurrency: 4 }).lookup(numbers);
    const at = sandbox.lookups().map((l) => l.at);
    expect(at).toHaveLength(12);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(11 * 50 - 10);
    // As the server saw them: first to last 11 intervals of 50 ms, and any 5 consecutive requests
    // about 4 intervals apart (connection set-up and timers shift single arrivals by a few ms;
    // unpaced, 5 requests arrive within a few ms of each other).
    expect(at.at(-1)! - at[0]!).toBeGreaterThanOrEqual(11 * 50 - 40);
    for (let i = 0; i + 4 < at.length; i++) expect(at[i + 4]! - at[i]!).toBeGreaterThanOrEqual(150);
    // Unpaced, the same numbers go out at once: the pacing above is what spread them.
    sandbox.clear();
    const t1 = Date.now();
    await provider({ concurrency: 4 }).lookup(numbers);
    expect(Date.now() - t1).toBeLessThan(11 * 50 - 10);
  });

  it('wrong credentials are a configuration error, not an answer about the number', async () => {
    await expect(provider({ token: 'wrong-token' }).lookup([GOOD])).rejects.toBeInstanceOf(ChannelConfigError);
  });
});
