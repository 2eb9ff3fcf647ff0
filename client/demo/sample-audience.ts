/**
 * A realistic contact file (for the demo and the benchmarks): a mix of countries and number formats (E.164, national
 * with trunk 0, 00/011 prefixes, spaces and punctuation, full-width digits), ~8% duplicates in
 * other formats and ~3% bad rows; customers with the skew of a real base (client/demo/customers.ts:
 * most bought once long ago, a few often and much), their orders (last and first order, count,
 * average value, in USD and said so), e-mails for most buyers and opt-in times; and, with `events`, their
 * behaviour events of the last year as JSON Lines. Deterministic for a seed and an as-of instant.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { getExampleNumber, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { customerOf, eventsOf } from './customers';

const MIX: Array<[CountryCode, number]> = [
  ['CN', 35], ['US', 18], ['IN', 9], ['GB', 5], ['DE', 4], ['BR', 5], ['JP', 3], ['AU', 3], ['ID', 4], ['MX', 3], ['RU', 2], ['FR', 2],
  ['SG', 1], ['CA', 2], ['KR', 1], ['ES', 1], ['IT', 1], ['NG', 1],
];

/** The as-of instant of a file generated without one (the benchmarks: the same file every run). */
export const SAMPLE_AS_OF = new Date('2026-11-25T12:00:00Z');
const USD = { code: 'USD', perUsd: 1 };

export interface GenerateOptions {
  /** Also write the contacts' behaviour events to this file (JSON Lines). */
  events?: string;
  /** The instant the customers' histories end (default SAMPLE_AS_OF). */
  asOf?: Date;
  /**
   * Also a CRM export's own columns: customer id, registration date and shipping address, with the
   * bad optional values a real one has (a day-first date, "yesterday", a NUL byte in an address):
   * warnings, not rejects.
   */
  crm?: boolean;
}

/** Writes `rows` contacts to `file`; with `opts.events`, their events to that file (JSON Lines). Returns the number of events. */
export async function generateContacts(file: string, rows: number, seed = 42, opts: GenerateOptions = {}): Promise<number> {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const asOf = opts.asOf ?? SAMPLE_AS_OF;
  const events = opts.events ? createWriteStream(opts.events) : null;
  let eventCount = 0;
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const bag: CountryCode[] = MIX.flatMap(([c, w]) => Array<CountryCode>(w).fill(c));
  const bases = new Map(MIX.map(([c]) => [c, getExampleNumber(c, examples)!]));
  // Earlier numbers, to repeat as duplicates written another way.
  const seen: Array<{ spaced: string; cc: CountryCode }> = [];
  const out = createWriteStream(file);
  out.write(`phone,email,name,country,last_order_at,order_value,currency,order_count,first_order_at,channel,opt_in_at${opts.crm ? ',customer_id,created_at,shipping_address' : ''}\n`);
  for (let i = 0; i < rows; i++) {
    let cc: CountryCode;
    let phone: string;
    /** The number in E.164 when this row is a new customer's (its events name it so). */
    let e164: string | null = null;
    const r = rnd();
    if (r < 0.03) {
      cc = pick(bag);
      phone = pick(['', 'N/A', '12', '+999 123', 'call me', '0000', '+86 1380013800012345']);
    } else if (r < 0.11 && seen.length > 0) {
      const dup = pick(seen);
      cc = dup.cc;
      phone = dup.spaced;
    } else {
      cc = pick(bag);
      const ex = bases.get(cc)!;
      const nn = ex.nationalNumber;
      const k = Math.min(5, nn.length - 3);
      let digits = nn.slice(0, nn.length - k);
      for (let j = 0; j < k; j++) digits += String(Math.floor(rnd() * 10));
      const code = ex.countryCallingCode;
      const f = rnd();
      phone =
        f < 0.35 ? `+${code}${digits}`
        : f < 0.55 ? `+${code} ${digits.slice(0, 3)} ${digits.slice(3, 7)} ${digits.slice(7)}`.trim()
        : f < 0.75 ? (cc === 'US' || cc === 'CA' ? `(${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}` : `0${digits}`)
        : f < 0.85 ? `00${code}${digits}`
        : f < 0.9 ? `+${code}-${digits}`.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)))
        : digits;
      if (cc === 'CN' || cc === 'JP' || cc === 'KR' || cc === 'BR' || cc === 'ID') phone = phone.replace(/^0(?=\d)/, '');
      if (seen.length < 200_000) seen.push({ spaced: `+${code} ${digits}`, cc });
      e164 = `+${code}${digits}`;
    }
    const c = customerOf(rnd, asOf);
    const email = c.hasEmail ? `user${i}@example${Math.floor(rnd() * 50)}.com` : '';
    const name = rnd() < 0.1 ? `"Name, With Comma ${i}"` : `Customer ${i}`;
    const badDate = rnd() < 0.005;
    const last = c.lastOrderAt ? (badDate ? '2026-13-40' : c.lastOrderAt.toISOString().slice(0, 10)) : '';
    const value = c.averageOrderValue === null ? '' : c.averageOrderValue.toFixed(2);
    const first = c.firstOrderAt ? c.firstOrderAt.toISOString().slice(0, 10) : '';
    const channel = pick(['app', 'web', 'wechat', 'store', 'partner']);
    const optIn = rnd() < 0.8 ? new Date(Math.min(asOf.getTime(), c.registeredAt.getTime() + rnd() * 30 * 86_400_000)).toISOString() : '';
    const crm = opts.crm ? crmColumns(i, rnd) : '';
    // Values in USD, and the file says so: once the import maps a currency column, a value without
    // one is read in the currency of the number's country.
    const line = `${csv(phone)},${email},${name},${rnd() < 0.3 ? cc : ''},${last},${value},${value ? 'USD' : ''},${c.orderCount},${first},${channel},${optIn}${crm}\n`;
    if (!out.write(line)) await once(out, 'drain');
    if (events && e164 && !badDate) {
      for (const e of eventsOf(c, e164, `s${seed}-${i}`, asOf, rnd, USD)) {
        eventCount++;
        if (!events.write(`${JSON.stringify(e)}\n`)) await once(events, 'drain');
      }
    }
  }
  await Promise.all([end(out), events && end(events)]);
  return eventCount;
}

const end = async (s: WriteStream) => {
  s.end();
  await once(s, 'finish');
};

/** The CRM export's own columns of row i (leading comma): about 2% of the rows with a bad value (day-first or worded dates, a NUL byte). */
function crmColumns(i: number, rnd: () => number): string {
  const day = (y0: number, years: number) => `${y0 + Math.floor(rnd() * years)}-${String(1 + Math.floor(rnd() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}`;
  const bad = rnd();
  const created = bad < 0.01 ? '31/02/2026' : bad < 0.015 ? 'yesterday' : day(2018, 7);
  const address = rnd() < 0.6 ? `"${1 + Math.floor(rnd() * 200)} ${pickOf(rnd, ['Elm St', 'Jianguo Rd', 'High St', 'Rua Augusta', 'MG Road'])}, ${pickOf(rnd, ['Springfield', 'Beijing', 'London', 'São Paulo', 'Bengaluru'])}${bad > 0.995 ? '\u0000' : ''}"` : '';
  return `,C-${i},${created},${address}`;
}

const pickOf = <T,>(rnd: () => number, xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;

const csv = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
