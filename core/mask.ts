/** Masks personal data for logs and default output: +86138****5678, a***@example.com. */
export function maskPhone(e164: string): string {
  if (e164.length < 9) return `${e164.slice(0, 3)}****`;
  return `${e164.slice(0, e164.length - 8)}****${e164.slice(-4)}`;
}

export function maskEmail(email: string): string {
  const at = email.indexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/**
 * A third party's text (a provider's error, an SMTP reply) with the recipient it names masked:
 * the number as E.164 and as bare digits, the e-mail in any letter case. Providers echo the
 * recipient ("The 'To' number +1... is not a valid phone number", "550 <x@y>: User unknown"),
 * and those texts go to the ledger, the logs and activity failures.
 */
export function maskNamed(text: string, named: { phone?: string; email?: string }): string {
  let out = text;
  if (named.phone) {
    out = out.split(named.phone).join(maskPhone(named.phone));
    const digits = named.phone.replace(/\D/g, '');
    if (digits.length >= 7) out = out.split(digits).join(maskPhone(named.phone).slice(1));
  }
  if (named.email) out = out.replace(new RegExp(named.email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'), maskEmail(named.email));
  return out;
}

/**
 * What looks like personal data in free text (the one home of these patterns): an e-mail address;
 * a number written internationally (+ then 8-15 digits, spaces, dots, dashes or brackets between);
 * a national number written in groups ("(212) 555-0142", "138 1234 5678"). Bare digit runs are
 * not taken: order ids, SKUs and amounts look just like them.
 */
export const EMAIL_PATTERN = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
export const PHONE_PATTERN = /\+\d(?:[ .()-]{0,2}\d){7,14}|\(?\b\d{2,4}\)?[ .-]\d{3,4}[ .-]\d{4}\b/g;

/**
 * A text with every e-mail and phone number in it masked as the logs mask them (j***@example.com,
 * +86138****5678; a national number keeps its first digits and its last four), and which kinds it
 * masked. Cheap when there is nothing to mask: no '@' and no digit, no regular expression runs.
 */
export function maskPersonalText(text: string): { text: string; masked: Array<'email' | 'phone'> } {
  if (!mayHoldPersonalData(text)) return { text, masked: [] };
  const masked: Array<'email' | 'phone'> = [];
  let out = text;
  if (out.includes('@')) {
    const next = out.replace(EMAIL_PATTERN, (m) => maskEmail(m));
    if (next !== out) masked.push('email');
    out = next;
  }
  if (mayHoldNumber(out)) {
    const next = out.replace(PHONE_PATTERN, (m) => {
      const digits = m.replace(/\D/g, '');
      return maskPhone(m.startsWith('+') ? `+${digits}` : digits);
    });
    if (next !== out) masked.push('phone');
    out = next;
  }
  return { text: out, masked };
}

/** Whether maskPersonalText could mask anything in the text: one pass over its characters, no regular expression. */
export const mayHoldPersonalData = (text: string) => text.includes('@') || mayHoldNumber(text);

/** At least 8 digits and a '+' or a separator among them: what PHONE_PATTERN can match at all (a cheap scan first). */
function mayHoldNumber(text: string): boolean {
  if (text.length < 8) return false;
  let digits = 0;
  let marks = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 43 || c === 32 || c === 45 || c === 46 || c === 40) marks = true; // + space - . (
  }
  return digits >= 8 && marks;
}

/**
 * A JSON object with maskPersonalText applied to every string at any depth; `onMasked` hears the
 * path (`properties.buyer.email`) and kinds of each masked string. Unchanged values come back as
 * they were (no copy: most objects have nothing to mask); a path is only spelled out when needed.
 */
export function maskStringsIn(o: Record<string, unknown>, path: string, onMasked: OnMasked = () => {}): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const k in o) {
    const v = o[k];
    const x = typeof v === 'string' ? maskedString(v, path, k, onMasked) : v !== null && typeof v === 'object' ? maskedValue(v, `${path}.${k}`, onMasked) : v;
    if (x !== v) (copy ??= { ...o })[k] = x;
  }
  return copy ?? o;
}

type OnMasked = (path: string, kinds: Array<'email' | 'phone'>) => void;

function maskedValue(v: object, path: string, onMasked: OnMasked): unknown {
  if (!Array.isArray(v)) return maskStringsIn(v as Record<string, unknown>, path, onMasked);
  let copy: unknown[] | undefined;
  for (let i = 0; i < v.length; i++) {
    const e: unknown = v[i];
    const x = typeof e === 'string' ? maskedString(e, path, i, onMasked) : e !== null && typeof e === 'object' ? maskedValue(e, `${path}.${i}`, onMasked) : e;
    if (x !== e) (copy ??= [...v])[i] = x;
  }
  return copy ?? v;
}

function maskedString(v: string, parent: string, key: string | number, onMasked: OnMasked): string {
  if (!mayHoldPersonalData(v)) return v;
  const m = maskPersonalText(v);
  if (m.masked.length === 0) return v;
  onMasked(`${parent}.${key}`, m.masked);
  return m.text;
}
