import { sha256Hex } from '../../infra/data-codec';

/**
 * What to look for (test/helpers/pii-scan.ts findPersonalData) so that personal data counts as
 * found in any form: the values as given (e-mails, names, addresses), a number's digits in any
 * formatting, and the bare SHA-256 hex of each number and e-mail (enumerable, so as good as the
 * value itself; only keyed hashes may be stored).
 */
export function needlesOf(values: readonly string[]): { texts: string[]; digits: string[] } {
  const texts = new Set<string>();
  const digits = new Set<string>();
  for (const v of values) {
    if (/^\+\d{7,15}$/.test(v)) digits.add(v.slice(1));
    else texts.add(v);
    texts.add(sha256Hex(v));
    if (v.includes('@')) texts.add(sha256Hex(v.trim().toLowerCase()));
  }
  return { texts: [...texts], digits: [...digits] };
}
