/**
 * Seeds a campaign benchmark audience fast: contacts as intake would leave them (E.164, hash,
 * enrichment with country, language and candidate zones), tier A, reachable, each with marketing
 * SMS consent, written with COPY. A realistic mix of countries and zones (several US, Canadian,
 * Brazilian and Australian zones, multi-zone numbers such as Australian mobiles). Deterministic
 * for a given instant.
 *
 * The contact policy decides every send (windows 09:00-21:00 local or narrower by law, public
 * holidays deferred), so the benchmark seeds only numbers that are inside their window at the
 * instant of the run: of each mix entry only the national prefixes (or, for an entry without
 * prefixes, the whole entry) whose every candidate zone is between 10:00 and 19:00 local and not
 * on a public holiday of the country (and state, where the number gives one) at that instant;
 * the entries keep their relative weights (openMix).
 */
import { dataCodec } from '../infra/data-keys';
import { DateTime } from 'luxon';
import { getExampleNumber, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { isPublicHoliday } from '../core/holidays';
import { countryLevelTimeZones, enrichPhone, normalizePhone, subdivisionOfNumber, UNKNOWN_TIME_ZONE } from '../core/phone';
import { phoneHash } from '../db/contacts';
import { copyRows, type CopyValue } from '../db/copy';
import type { Pool } from '../db/pool';

type MixEntry = [CountryCode, number, string[]?];

/** Country weights (as bench/gen-contacts.ts) and, where a country spans zones, national prefixes to draw from. */
const MIX: MixEntry[] = [
  ['CN', 35],
  ['US', 18, ['212', '213', '312', '303', '808', '907', '305', '206', '602', '512', '617', '702']],
  ['IN', 9],
  ['GB', 5],
  ['DE', 4],
  ['BR', 5, ['119', '219', '929', '689', '659', '519']],
  ['JP', 3],
  ['AU', 3, ['4', '4', '2', '3', '7', '8']],
  ['ID', 4],
  ['MX', 3],
  ['RU', 2],
  ['FR', 2],
  ['SG', 1],
  ['CA', 2, ['416', '604', '403', '514', '902', '709']],
  ['KR', 1],
  ['ES', 1],
  ['IT', 1],
  ['NG', 1],
];

/** Local hours every candidate zone of a seeded number must be in at the instant of the run. */
export const OPEN_FROM = '10:00';
export const OPEN_UNTIL = '19:00';
/** Numbers drawn per prefix (or per entry without prefixes) to find an entry's candidate zones. */
const PROBE_DRAWS = 400;

const bases = new Map(MIX.map(([c]) => [c, getExampleNumber(c, examples)!]));

/** One random number of the entry (the prefix given or none), or null when it is not valid. */
function draw(cc: CountryCode, prefix: string | undefined, rnd: () => number) {
  const ex = bases.get(cc)!;
  const nn = ex.nationalNumber;
  let digits: string;
  if (prefix !== undefined) {
    digits = prefix;
    // NANP exchanges start 2-9.
    if (cc === 'US' || cc === 'CA') digits += String(2 + Math.floor(rnd() * 8));
    while (digits.length < nn.length) digits += String(Math.floor(rnd() * 10));
  } else {
    const k = Math.min(7, nn.length - 3);
    digits = nn.slice(0, nn.length - k);
    for (let j = 0; j < k; j++) digits += String(Math.floor(rnd() * 10));
  }
  const p = normalizePhone(`+${ex.countryCallingCode}${digits}`);
  return p.ok ? p : null;
}

/** The zones a number's window is computed in: its own, else (unknown) every zone of its country. */
function candidateZones(zones: readonly string[], callingCode: string): readonly string[] {
  return zones.length === 0 || zones.includes(UNKNOWN_TIME_ZONE) ? countryLevelTimeZones(callingCode) : zones;
}

export interface MixChoice {
  country: string;
  weight: number;
  /** National prefixes kept (absent: the entry has none). */
  prefixes?: string[];
  zones: string[];
}

export interface MixExclusion {
  country: string;
  prefix?: string;
  /** e.g. "America/Anchorage 05:12", "holiday in Asia/Shanghai (2026-10-01)". */
  why: string;
}

const lcg = (seed: number) => {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
};

/**
 * The mix entries (and prefixes) inside their window at `at`: every candidate zone of the numbers
 * they draw (enrichPhone's zones, probed with PROBE_DRAWS draws) between OPEN_FROM and
 * OPEN_UNTIL local, and no public holiday there. Weights as in MIX.
 */
export function openMix(at: Date): { kept: MixChoice[]; excluded: MixExclusion[] } {
  const kept: MixChoice[] = [];
  const excluded: MixExclusion[] = [];
  const rnd = lcg(11);
  for (const [cc, weight, prefixes] of MIX) {
    const keptPrefixes: string[] = [];
    const keptZones = new Set<string>();
    for (const prefix of prefixes ? [...new Set(prefixes)] : [undefined]) {
      const zones = new Set<string>();
      const places = new Set<string>();
      for (let i = 0; i < PROBE_DRAWS; i++) {
        const p = draw(cc, prefix, rnd);
        if (!p) continue;
        const e = enrichPhone(p);
        for (const z of candidateZones(e.timeZones, bases.get(cc)!.countryCallingCode)) zones.add(z);
        places.add(subdivisionOfNumber(p.e164, e.country) ?? '');
      }
      const why = closedReason(cc, [...zones], [...places], at);
      if (why || zones.size === 0) excluded.push({ country: cc, ...(prefix !== undefined ? { prefix } : {}), why: why ?? 'no valid number drawn' });
      else {
        if (prefix !== undefined) keptPrefixes.push(prefix);
        for (const z of zones) keptZones.add(z);
      }
    }
    if (keptZones.size === 0) continue;
    // Repeated prefixes (AU '4' twice) keep their share within the entry.
    const choice: MixChoice = { country: cc, weight, zones: [...keptZones].sort() };
    if (prefixes) choice.prefixes = prefixes.filter((p) => keptPrefixes.includes(p));
    kept.push(choice);
  }
  return { kept, excluded };
}

function closedReason(cc: string, zones: string[], places: string[], at: Date): string | null {
  for (const zone of zones) {
    const local = DateTime.fromJSDate(at, { zone });
    if (!local.isValid) return `${zone}: not a valid zone`;
    const hhmm = local.toFormat('HH:mm');
    if (hhmm < OPEN_FROM || hhmm >= OPEN_UNTIL) return `${zone} ${hhmm}`;
    const date = local.toISODate()!;
    for (const place of places) {
      // As the policy reads calendars (core/campaign/timing.ts): the state's, else the country's, else none.
      let holiday = false;
      for (const region of place ? [place, null] : [null]) {
        try {
          holiday = isPublicHoliday(cc, region, date);
          break;
        } catch {
          // no calendar for this region (or country)
        }
      }
      if (holiday) return `public holiday ${cc}${place ? `-${place}` : ''} ${date} in ${zone}`;
    }
  }
  return null;
}

export interface SeedGroup {
  count: number;
  /** channel_tags of these contacts: campaigns pick their audience by tag. */
  tag: string;
}

export interface SeedReport {
  contacts: number;
  /** The instant the audience was chosen for. */
  at: string;
  countries: Record<string, number>;
  /** The mix entries used (openMix) and those left out, with why. */
  mix: MixChoice[];
  excluded: MixExclusion[];
  timeZones: number;
  multiZone: number;
  seconds: number;
}

export class NoOpenAudienceError extends Error {}

/**
 * Writes the groups' contacts (ids 1..total, in group order) and their SMS consents, drawn from
 * the mix entries inside their window at `at` (openMix). Fails when none is.
 */
export async function seedCampaignAudience(pool: Pool, groups: readonly SeedGroup[], at: Date, seed = 7): Promise<SeedReport> {
  const mix = openMix(at);
  if (mix.kept.length === 0)
    throw new NoOpenAudienceError(
      `no country of the benchmark's mix is between ${OPEN_FROM} and ${OPEN_UNTIL} local (and off its public holidays) at ${at.toISOString()}: ` +
        `${mix.excluded.map((x) => `${x.country}${x.prefix ? ` ${x.prefix}` : ''} (${x.why})`).join(', ')}; run it at another hour`,
    );
  const rnd = lcg(seed);
  const bag = mix.kept.flatMap((m) => Array<MixChoice>(m.weight).fill(m));
  const seen = new Set<string>();
  const countries: Record<string, number> = {};
  const zones = new Set<string>();
  let multiZone = 0;

  let id = 0;
  const codec = dataCodec();
  function* contacts(): Generator<CopyValue[]> {
    for (const g of groups) {
      for (let i = 0; i < g.count; i++) {
        for (;;) {
          const { country, prefixes } = bag[Math.floor(rnd() * bag.length)]!;
          const cc = country as CountryCode;
          const p = draw(cc, prefixes ? prefixes[Math.floor(rnd() * prefixes.length)]! : undefined, rnd);
          if (!p || seen.has(p.e164)) continue;
          seen.add(p.e164);
          const e = enrichPhone(p);
          id++;
          countries[cc] = (countries[cc] ?? 0) + 1;
          for (const z of e.timeZones) zones.add(z);
          if (e.timeZones.length > 1) multiZone++;
          yield [
            id, phoneHash(p.e164), codec.encrypt(p.e164), p.type, e.country, e.region, e.currency, e.language, [...e.timeZones],
            codec.encrypt(`Customer ${id}`), 'reachable', 'active', 'A', 80, 'score-policy.v1', [g.tag], ['bench'],
          ];
          break;
        }
      }
    }
  }
  const t0 = performance.now();
  const client = await pool.connect();
  try {
    await copyRows(
      client,
      'contacts',
      ['id', 'phone_hash', 'phone_enc', 'line_type', 'country', 'region', 'currency', 'language', 'time_zones', 'name_enc', 'validity', 'number_status', 'tier', 'score', 'policy_version', 'channel_tags', 'sources'],
      contacts(),
    );
    seen.clear();
    await client.query(`SELECT setval('contacts_id_seq', $1)`, [id]);
    const granted = new Date('2026-01-15T10:00:00Z');
    await copyRows(
      client,
      'consents',
      ['contact_id', 'channel', 'purpose', 'source', 'granted_at', 'double_opt_in'],
      (function* () {
        for (let c = 1; c <= id; c++) yield [c, 'sms', 'marketing', 'web_form', granted, true];
      })(),
    );
    await client.query('ANALYZE contacts');
    await client.query('ANALYZE consents');
  } finally {
    client.release();
  }
  return { contacts: id, at: at.toISOString(), countries, mix: mix.kept, excluded: mix.excluded, timeZones: zones.size, multiZone, seconds: (performance.now() - t0) / 1000 };
}
