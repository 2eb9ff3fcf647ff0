/**
 * RFC 3966 `tel:` URIs, unwrapped here instead of by libphonenumber-js: its phone-context validation
 * regexes carry the `g` flag and are used with `.test()`, so `lastIndex` leaks between calls and every
 * second parse of a `;phone-context=` input in one process fails with NOT_A_NUMBER (upstream
 * catamphetamine/libphonenumber-js#498). The regexes below are stateless (no `g`/`y` flag).
 */

const TEL_SCHEME = /^\s*tel:/i;
const PHONE_CONTEXT = /;\s*phone-context\s*=/i;

export interface UnwrappedTel {
  /** Text to hand to the phone parser (a global number, or a local number for the default region). */
  number: string;
  /** Digits of `;ext=`, if any. */
  extension: string | undefined;
}

/** True when `s` should go through unwrapTel (a tel: URI, or any text carrying ;phone-context=). */
export function needsTelUnwrap(s: string): boolean {
  return TEL_SCHEME.test(s) || (s.includes(';') && PHONE_CONTEXT.test(s));
}

/**
 * `tel:+1-201-555-0123;ext=45` -> { number: '+1-201-555-0123', extension: '45' }
 * `tel:2015550123;phone-context=+1` -> { number: '+12015550123' }
 * `tel:555-0123;phone-context=example.com` -> { number: '555-0123' } (a domain context says nothing
 * about the calling code; the caller's default region applies).
 */
export function unwrapTel(s: string): UnwrappedTel {
  const body = s.replace(TEL_SCHEME, '').trim();
  const parts = body.split(';');
  let number = (parts[0] ?? '').trim();
  let extension: string | undefined;
  let context: string | undefined;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i] ?? '';
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    if (key === 'ext') {
      const digits = value.replace(/\D/g, '');
      if (digits) extension = digits;
    } else if (key === 'phone-context') {
      context = value;
    }
  }
  if (context !== undefined && context.startsWith('+') && !number.startsWith('+')) {
    number = '+' + context.replace(/\D/g, '') + number;
  }
  return { number, extension };
}
