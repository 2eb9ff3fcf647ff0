/**
 * Seeds a campaign benchmark audience fast: contacts as intake would leave them (E.164, hash,
 * enrichment with country, language and candidate zones), tier A, reachable, each with marketing
 * SMS consent, written with COPY. A realistic mix of countries and zones (several US, Canadian,
 * Brazilian and Australian zones, multi-zone numbers such as Australian mobiles). Deterministic.
 */
import { getExampleNumber, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { enrichPhone, normalizePhone } from '../core/phone';
import { phoneHash } from '../db/contacts';
import { copyRows, type CopyValue } from '../db/copy';
import type { Pool } from '../db/pool';

/** Country weights (as bench/gen-contacts.ts) and, where a country spans zones, national prefixes to draw from. */
const MIX: Array<[CountryCode, number, string[]?]> = [
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

export interface SeedGroup {
  count: number;
  /** channel_tags of these contacts: campaigns pick their audience by tag. */
  tag: string;
}

export interface SeedReport {
  contacts: number;
  countries: Record<string, number>;
  timeZones: number;
  multiZone: number;
  seconds: number;
}

/** Writes the groups' contacts (ids 1..total, in group order) and their SMS consents. */
export async function seedCampaignAudience(pool: Pool, groups: readonly SeedGroup[], seed = 7): Promise<SeedReport> {
  let s = seed >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const bag = MIX.flatMap((m) => Array<(typeof MIX)[number]>(m[1]).fill(m));
  const bases = new Map(MIX.map(([c]) => [c, getExampleNumber(c, examples)!]));
  const seen = new Set<string>();
  const countries: Record<string, number> = {};
  const zones = new Set<string>();
  let multiZone = 0;

  let id = 0;
  function* contacts(): Generator<CopyValue[]> {
    for (const g of groups) {
      for (let i = 0; i < g.count; i++) {
        for (;;) {
          const [cc, , prefixes] = bag[Math.floor(rnd() * bag.length)]!;
          const ex = bases.get(cc)!;
          const nn = ex.nationalNumber;
          let digits: string;
          if (prefixes) {
            const p = prefixes[Math.floor(rnd() * prefixes.length)]!;
            digits = p;
            // NANP exchanges start 2-9.
            if (cc === 'US' || cc === 'CA') digits += String(2 + Math.floor(rnd() * 8));
            while (digits.length < nn.length) digits += String(Math.floor(rnd() * 10));
          } else {
            const k = Math.min(7, nn.length - 3);
            digits = nn.slice(0, nn.length - k);
            for (let j = 0; j < k; j++) digits += String(Math.floor(rnd() * 10));
          }
          const p = normalizePhone(`+${ex.countryCallingCode}${digits}`);
          if (!p.ok || seen.has(p.e164)) continue;
          seen.add(p.e164);
          const e = enrichPhone(p);
          id++;
          countries[cc] = (countries[cc] ?? 0) + 1;
          for (const z of e.timeZones) zones.add(z);
          if (e.timeZones.length > 1) multiZone++;
          yield [
            id, phoneHash(p.e164), p.e164, p.type, e.country, e.region, e.currency, e.language, [...e.timeZones],
            `Customer ${id}`, 'reachable', 'active', 'A', 80, 'score-policy.v1', [g.tag], ['bench'],
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
      ['id', 'phone_hash', 'phone_e164', 'line_type', 'country', 'region', 'currency', 'language', 'time_zones', 'name', 'validity', 'number_status', 'tier', 'score', 'policy_version', 'channel_tags', 'sources'],
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
        for (let c = 1; c <= id; c++) yield [c, 'sms', 'marketing', 'bench', granted, true];
      })(),
    );
    await client.query('ANALYZE contacts');
    await client.query('ANALYZE consents');
  } finally {
    client.release();
  }
  return { contacts: id, countries, timeZones: zones.size, multiZone, seconds: (performance.now() - t0) / 1000 };
}
