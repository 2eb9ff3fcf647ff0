/**
 * A realistic contact file (for the demo and the benchmarks): a mix of countries and number formats (E.164, national
 * with trunk 0, 00/011 prefixes, spaces and punctuation, full-width digits), e-mails, orders and
 * opt-in times, ~8% duplicates in other formats and ~3% bad rows. Deterministic for a seed.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { getExampleNumber, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';

const MIX: Array<[CountryCode, number]> = [
  ['CN', 35], ['US', 18], ['IN', 9], ['GB', 5], ['DE', 4], ['BR', 5], ['JP', 3], ['AU', 3], ['ID', 4], ['MX', 3], ['RU', 2], ['FR', 2],
  ['SG', 1], ['CA', 2], ['KR', 1], ['ES', 1], ['IT', 1], ['NG', 1],
];

export interface GenerateOptions {
  /**
   * Also the columns of a CRM export: customer id, registration date, first order, order count,
   * currency and shipping address, with the bad optional values a real one has (a day-first date,
   * "yesterday", a negative amount, a NUL byte in a name): warnings, not rejects.
   */
  crm?: boolean;
}

export async function generateContacts(file: string, rows: number, seed = 42, options: GenerateOptions = {}): Promise<void> {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const bag: CountryCode[] = MIX.flatMap(([c, w]) => Array<CountryCode>(w).fill(c));
  const bases = new Map(MIX.map(([c]) => [c, getExampleNumber(c, examples)!]));
  // Earlier numbers, to repeat as duplicates written another way.
  const seen: Array<{ spaced: string; cc: CountryCode }> = [];
  const out = createWriteStream(file);
  out.write(`phone,email,name,country,last_order_at,order_value,channel,opt_in_at${options.crm ? ',customer_id,created_at,first_order_at,order_count,currency,shipping_address' : ''}\n`);
  for (let i = 0; i < rows; i++) {
    let cc: CountryCode;
    let phone: string;
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
    }
    const email = rnd() < 0.6 ? `user${i}@example${Math.floor(rnd() * 50)}.com` : '';
    const name = rnd() < 0.1 ? `"Name, With Comma ${i}"` : `Customer ${i}`;
    const badDate = rnd() < 0.005;
    const last = rnd() < 0.7 ? (badDate ? '2026-13-40' : `2026-${String(1 + Math.floor(rnd() * 10)).padStart(2, '0')}-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}`) : '';
    const value = last ? (rnd() * 400).toFixed(2) : '';
    const channel = pick(['app', 'web', 'wechat', 'store', 'partner']);
    const optIn = rnd() < 0.8 ? `2025-${String(1 + Math.floor(rnd() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}T10:00:00Z` : '';
    const crm = options.crm ? crmColumns(i, rnd, last) : '';
    const line = `${csv(phone)},${email},${name},${rnd() < 0.3 ? cc : ''},${last},${value},${channel},${optIn}${crm}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** The CRM export's own columns of row i (leading comma): about 4% of the rows with a bad value (day-first or worded dates, a currency that is no ISO code, a NUL byte). */
function crmColumns(i: number, rnd: () => number, lastOrder: string): string {
  const day = (y0: number, years: number) => `${y0 + Math.floor(rnd() * years)}-${String(1 + Math.floor(rnd() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}`;
  const bad = rnd();
  const created = bad < 0.01 ? '31/02/2026' : bad < 0.015 ? 'yesterday' : day(2018, 7);
  const firstOrder = lastOrder && rnd() < 0.5 ? day(2019, 6) : '';
  const count = lastOrder ? String(1 + Math.floor(rnd() * 40)) : rnd() < 0.5 ? '0' : '';
  const currency = rnd() < 0.1 ? pickOf(rnd, ['USD', 'EUR', 'CNY', 'rmb']) : '';
  const address = rnd() < 0.6 ? `"${1 + Math.floor(rnd() * 200)} ${pickOf(rnd, ['Elm St', 'Jianguo Rd', 'High St', 'Rua Augusta', 'MG Road'])}, ${pickOf(rnd, ['Springfield', 'Beijing', 'London', 'São Paulo', 'Bengaluru'])}${bad > 0.995 ? '\u0000' : ''}"` : '';
  return `,C-${i},${created},${firstOrder},${count},${currency},${address}`;
}

const pickOf = <T,>(rnd: () => number, xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;

const csv = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
