/**
 * A CRM-like customer export with its event history, generated for the tier benchmark and tests
 * (issue 20): customer id, phone (E.164, or national with a country), e-mail, registration, first
 * and last order, order count, average order value and its currency, channel, opt-in time and
 * source, device id, shipping address; the events of the last year as JSON Lines; and what the
 * carrier would say (the dead numbers), for the sandbox lookup. The skew of a real customer base
 * (client/demo/customers.ts): most bought once long ago, a few buy often and much, some never;
 * plus dead numbers (4%), risky registrations (device farms and sequential number batches, about
 * 1.7%) and a few rows with a bad optional field. Deterministic for a seed and an as-of instant.
 *
 * Run: npx tsx bench/crm-file.ts [rows, default 100000] [out dir] [seed]
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { getExampleNumber, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { customerOf, eventsOf, seeded, SEGMENTS, type Segment } from '../client/demo/customers';

const MIX: Array<[CountryCode, number]> = [
  ['US', 30], ['CN', 20], ['GB', 8], ['DE', 6], ['FR', 4], ['IN', 6], ['BR', 5], ['AU', 4], ['CA', 4], ['JP', 3], ['MX', 3], ['ES', 2], ['IT', 2], ['SG', 1], ['NL', 2],
];
/** The shop sells in USD, in EUR in the euro area and in GBP in the UK (units per USD). */
const CURRENCY: Partial<Record<CountryCode, { code: string; perUsd: number }>> = {
  DE: { code: 'EUR', perUsd: 0.86 }, FR: { code: 'EUR', perUsd: 0.86 }, ES: { code: 'EUR', perUsd: 0.86 }, IT: { code: 'EUR', perUsd: 0.86 }, NL: { code: 'EUR', perUsd: 0.86 },
  GB: { code: 'GBP', perUsd: 0.75 },
};
const USD = { code: 'USD', perUsd: 1 };
const SOURCES: Array<[string, number]> = [['web_form', 60], ['checkout_checkbox', 27], ['import', 12], ['purchased_list', 1]];
const DAY = 86_400_000;

export interface CrmFiles {
  contacts: string;
  events: string;
  /** { dead: E.164 numbers the carrier reports as not in service } */
  carrier: string;
  /** Numbers of the dead rows, for a sandbox lookup's overrides. */
  dead: string[];
  summary: { rows: number; events: number; dead: number; risky: number; badOptional: number; segments: Record<Segment, number> };
}

/** Writes contacts.csv, events.jsonl and carrier.json for `rows` customers into `dir`. */
export async function generateCrmFiles(dir: string, rows: number, opts: { seed?: number; asOf?: Date } = {}): Promise<CrmFiles> {
  mkdirSync(dir, { recursive: true });
  const rnd = seeded(opts.seed ?? 20);
  const asOf = opts.asOf ?? new Date('2026-11-25T12:00:00Z');
  const pick = <T>(xs: ReadonlyArray<[T, number]>) => {
    let r = rnd() * xs.reduce((a, [, w]) => a + w, 0);
    for (const [x, w] of xs) if ((r -= w) < 0) return x;
    return xs[0]![0];
  };
  const used = new Set<string>();
  /** A valid mobile number of the country not used yet; `block` keeps all but the last three digits. */
  const numberOf = (cc: CountryCode, block?: string): string => {
    const ex = getExampleNumber(cc, examples)!;
    const nn = ex.nationalNumber as string;
    for (;;) {
      const k = block ? 3 : Math.min(7, nn.length - 4);
      let digits = block ?? nn.slice(0, nn.length - k);
      for (let j = 0; j < k; j++) digits += String(Math.floor(rnd() * 10));
      const p = parsePhoneNumberFromString(`+${ex.countryCallingCode}${digits}`);
      if (p?.isValid() && !used.has(p.number)) {
        used.add(p.number);
        return p.number;
      }
    }
  };
  const contacts = createWriteStream(path.join(dir, 'contacts.csv'));
  const events = createWriteStream(path.join(dir, 'events.jsonl'));
  contacts.write('customer_id,phone,email,name,country,registered_at,first_order_at,last_order_at,order_count,order_value,currency,channel,opt_in_at,consent_source,device_id,shipping_address\n');
  const segments = Object.fromEntries(SEGMENTS.map((s) => [s, 0])) as Record<Segment, number>;
  const dead: string[] = [];
  let eventCount = 0;
  let risky = 0;
  let badOptional = 0;
  const day = (d: Date) => d.toISOString().slice(0, 10);
  for (let i = 0; i < rows; ) {
    const cc = pick(MIX);
    const r = rnd();
    // A risky registration: a device farm (6 accounts on one device in a day) or a batch of 11
    // sequential SIMs of one block of 1,000, opted in the same day; they never order.
    const cluster = r < 0.0015 ? { kind: 'farm', size: 6 } : r < 0.0025 ? { kind: 'range', size: 11 } : null;
    const size = Math.min(cluster?.size ?? 1, rows - i);
    const batchDay = new Date(asOf.getTime() - Math.floor(rnd() * 700) * DAY);
    const batchDevice = `dev-farm-${i}`;
    let block: string | undefined;
    for (let m = 0; m < size; m++, i++) {
      const c = customerOf(rnd, asOf, cluster ? 'never_ordered' : undefined);
      segments[c.segment]++;
      let e164: string;
      if (cluster?.kind === 'range') {
        const first = block === undefined;
        e164 = numberOf(cc, block);
        if (first) block = e164.slice(1 + String(getExampleNumber(cc, examples)!.countryCallingCode).length, -3);
      } else e164 = numberOf(cc);
      if (cluster) risky++;
      const isDead = !cluster && rnd() < 0.04;
      if (isDead) dead.push(e164);
      const cur = CURRENCY[cc] ?? USD;
      const optIn = cluster ? new Date(batchDay.getTime() + m * 60_000) : rnd() < 0.85 ? new Date(Math.min(asOf.getTime(), c.registeredAt.getTime() + rnd() * 30 * DAY)) : null;
      const device = cluster?.kind === 'farm' ? batchDevice : rnd() < 0.5 ? `dev-${i}` : '';
      const national = rnd() < 0.3;
      const phone = national ? parsePhoneNumberFromString(e164)!.formatNational() : e164;
      let value = c.averageOrderValue === null ? '' : (c.averageOrderValue * cur.perUsd).toFixed(2);
      let last = c.lastOrderAt ? c.lastOrderAt.toISOString() : '';
      // A few rows with a bad optional field, as real exports have (issue 20: 31/02/2026, negative values).
      const bad = rnd() < 0.003;
      if (bad) {
        badOptional++;
        if (rnd() < 0.5) last = '31/02/2026';
        else value = '-12.50';
      }
      const line = [
        `C${String(100000 + i)}`,
        csv(phone),
        c.hasEmail ? `customer${i}@example${i % 40}.com` : '',
        `Customer ${i}`,
        national || rnd() < 0.5 ? cc : '',
        c.registeredAt.toISOString(),
        c.firstOrderAt ? day(c.firstOrderAt) : '',
        last,
        String(c.orderCount),
        value,
        c.orderCount ? cur.code : '',
        pick([['web', 40], ['app', 35], ['store', 15], ['partner', 10]]),
        optIn ? optIn.toISOString() : '',
        pick(SOURCES),
        device,
        csv(`${1 + Math.floor(rnd() * 400)} ${pick([['Main St', 1], ['High Street', 1], ['Park Ave', 1], ['Oak Rd', 1]])}, ${cc}`),
      ].join(',');
      if (!contacts.write(`${line}\n`)) await once(contacts, 'drain');
      for (const e of eventsOf(c, e164, `C${100000 + i}`, asOf, rnd, cur)) {
        eventCount++;
        if (!events.write(`${JSON.stringify(e)}\n`)) await once(events, 'drain');
      }
    }
  }
  await Promise.all([end(contacts), end(events)]);
  const carrier = path.join(dir, 'carrier.json');
  writeFileSync(carrier, `${JSON.stringify({ dead })}\n`);
  return {
    contacts: path.join(dir, 'contacts.csv'),
    events: path.join(dir, 'events.jsonl'),
    carrier,
    dead,
    summary: { rows, events: eventCount, dead: dead.length, risky, badOptional, segments },
  };
}

const csv = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const end = async (s: WriteStream) => {
  s.end();
  await once(s, 'finish');
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = Number(process.argv[2] ?? 100_000);
  const out = process.argv[3] ?? path.join('.reachloop', 'crm');
  const files = await generateCrmFiles(out, rows, { seed: Number(process.argv[4] ?? 20) });
  console.log(JSON.stringify(files.summary, null, 2));
  console.error(`wrote ${files.contacts}, ${files.events}, ${files.carrier}`);
}
