import { NANP_REGIONS } from './nanp-regions.data';

/**
 * The subdivision a number presumes its holder lives in: the US state or Canadian province of a
 * NANP area code (libphonenumber's geocoding data, core/phone/nanp-regions.data.ts). Florida,
 * Oklahoma and Connecticut law presume an in-state area code means an in-state recipient; numbers
 * are portable, so this is a presumption, and an unknown state gets the strictest US rules.
 * Returns the code without its country ('FL'), or null. Pure.
 */
export function subdivisionOfNumber(e164: string, country: string | null): string | null {
  if (!e164.startsWith('+1') || e164.length !== 12 || (country !== 'US' && country !== 'CA')) return null;
  const region = NANP_REGIONS[e164.slice(2, 5)];
  return region && region.startsWith(`${country}-`) ? region.slice(3) : null;
}
