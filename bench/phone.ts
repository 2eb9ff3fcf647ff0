/**
 * Phone normalisation speed: normalise + enrich vs a bare libphonenumber-js parse + isValid of
 * the same rows (the intake budget is <= 2.5x). Run: npx tsx bench/phone.ts [rows]
 */
import {
  getCountries,
  getExampleNumber,
  parsePhoneNumberWithError,
  type CountryCode,
} from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { enrichPhone, normalizePhone } from '../core/phone';
import { record } from './record';

export function rows(n: number): Array<readonly [string, CountryCode | undefined]> {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const heavy: Partial<Record<CountryCode, number>> = { CN: 30, US: 20, IN: 8, GB: 5, DE: 5, BR: 5 };
  const pool: CountryCode[] = [];
  for (const c of getCountries()) for (let i = 0; i < (heavy[c] ?? 0.3) * 10; i++) pool.push(c);
  const out: Array<readonly [string, CountryCode | undefined]> = [];
  while (out.length < n) {
    const country = pool[Math.floor(rnd() * pool.length)]!;
    const ex = getExampleNumber(country, examples);
    if (!ex) continue;
    const nn = ex.nationalNumber;
    const k = Math.min(4, nn.length - 2);
    let digits = nn.slice(0, nn.length - k);
    for (let j = 0; j < k; j++) digits += String(Math.floor(rnd() * 10));
    const r = rnd();
    if (r < 0.4) out.push([`+${ex.countryCallingCode}${digits}`, undefined]);
    else if (r < 0.7) out.push([`+${ex.countryCallingCode} ${digits.slice(0, 3)} ${digits.slice(3)}`, undefined]);
    else if (r < 0.95) out.push([digits, country]);
    else out.push([r < 0.97 ? 'N/A' : '12345', country]);
  }
  return out;
}

const n = Number(process.argv[2] ?? 1_000_000);
const data = rows(n);
const bare = () => {
  let valid = 0;
  for (const [s, c] of data) {
    try {
      if (parsePhoneNumberWithError(s, c).isValid()) valid++;
    } catch {
      // counted as invalid
    }
  }
  return valid;
};
const ours = () => {
  let valid = 0;
  for (const [s, c] of data) {
    const r = normalizePhone(s, { defaultCountry: c });
    if (r.ok && enrichPhone(r).timeZones.length > 0) valid++;
  }
  return valid;
};
if (ours() !== bare()) throw new Error('normalizePhone and the bare parse disagree on validity');
let bestBare = Infinity;
let bestOurs = Infinity;
for (let round = 0; round < 3; round++) {
  let t = performance.now();
  bare();
  bestBare = Math.min(bestBare, performance.now() - t);
  t = performance.now();
  ours();
  bestOurs = Math.min(bestOurs, performance.now() - t);
}
record('phone', {
  rows: n,
  bareParseValidateMs: Math.round(bestBare),
  normalizeEnrichMs: Math.round(bestOurs),
  ratio: Number((bestOurs / bestBare).toFixed(2)),
  normalizeEnrichRowsPerSecond: Math.round(n / (bestOurs / 1000)),
});
