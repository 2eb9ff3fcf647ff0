/**
 * Short tracked links in SMS and e-mail: every http(s) URL of a rendered message becomes
 * `${PUBLIC_BASE_URL}/l/CODE`, and the server (server/links.ts) redirects CODE to the stored URL
 * and records the click as a `link_click` event of the contact.
 *
 * The code is derived, not drawn: an HMAC of (campaign, contact, url) under the signing secret,
 * cut to LINK_CODE_LENGTH base62 characters. A retried send (a crashed worker, a reconciled
 * attempt) therefore rebuilds the same text and the same code, so exactly-once sending and the
 * reconciliation that matches the provider's copy by its text keep working. 11 base62 characters
 * are about 65 bits: guessing a live code by trying is hopeless even with millions in use.
 * Letters and digits only, so no handset's linkifier stops early at a '-' or '_'.
 *
 * Pure: no I/O, no clock, no Node builtins. The caller computes the HMAC (channels/tracked-link.ts).
 */

export const LINK_CODE_LENGTH = 11;
export const LINK_PATH = '/l/';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CODE = new RegExp(`^[0-9A-Za-z]{${LINK_CODE_LENGTH}}$`);

/** What a link's code is derived from (and the record stored under it). */
export interface LinkKey {
  campaignId: number;
  contactId: number;
  url: string;
}

/** The exact bytes the HMAC covers: versioned and separated by NUL, which no URL or id contains. */
export function linkCodeMessage(k: LinkKey): string {
  return `reachloop-link\u0000v1\u0000${k.campaignId}\u0000${k.contactId}\u0000${k.url}`;
}

/** Base62 of the MAC's first 12 bytes (96 bits, so the cut to 11 digits is all but unbiased). */
export function linkCodeFromMac(mac: Uint8Array): string {
  if (mac.length < 12) throw new RangeError('a link code needs a MAC of at least 12 bytes');
  let n = 0n;
  for (let i = 0; i < 12; i++) n = (n << 8n) | BigInt(mac[i]!);
  let code = '';
  for (let i = 0; i < LINK_CODE_LENGTH; i++) {
    code += ALPHABET[Number(n % 62n)];
    n /= 62n;
  }
  return code;
}

export const isLinkCode = (s: string): boolean => CODE.test(s);

export function shortLinkUrl(publicBaseUrl: string, code: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}${LINK_PATH}${code}`;
}

/** Characters every short link takes in a message (all ASCII: GSM-7, one septet each). */
export function shortLinkLength(publicBaseUrl: string): number {
  return shortLinkUrl(publicBaseUrl, '0'.repeat(LINK_CODE_LENGTH)).length;
}

export interface FoundUrl {
  url: string;
  /** UTF-16 offsets in the text: [start, end). */
  start: number;
  end: number;
}

// A URL runs to the first space, quote, angle bracket or non-ASCII character: in SMS a link is
// often followed directly by CJK text or full-width punctuation ("…https://x.cn/a，回复T退订").
const URL_CANDIDATE = /\bhttps?:\/\/[!#-&(-;=?-~]+/gi;
const TRAILING = /[.,;:!?*'"]$/;

/**
 * The http(s) URLs of a text, as a reader sees them: sentence punctuation after a link and a
 * closing bracket that closes text around it are not part of it ("(see https://x.io/a)." gives
 * https://x.io/a). A URL without a host ("https://") is no URL.
 */
export function findUrls(text: string): FoundUrl[] {
  const out: FoundUrl[] = [];
  for (const m of text.matchAll(URL_CANDIDATE)) {
    let url = m[0];
    for (;;) {
      if (TRAILING.test(url)) url = url.slice(0, -1);
      else if (url.endsWith(')') && count(url, '(') < count(url, ')')) url = url.slice(0, -1);
      else if (url.endsWith(']') && count(url, '[') < count(url, ']')) url = url.slice(0, -1);
      else break;
    }
    if (!/^https?:\/\/[a-z0-9[]/i.test(url)) continue;
    out.push({ url, start: m.index, end: m.index + url.length });
  }
  return out;
}

const count = (s: string, ch: string) => s.split(ch).length - 1;

/** How much longer (negative: shorter) the text gets when each of its URLs becomes a short link. */
export function lengthAdded(text: string, publicBaseUrl: string): number {
  const each = shortLinkLength(publicBaseUrl);
  return findUrls(text).reduce((sum, u) => sum + each - u.url.length, 0);
}

export interface TrackedLink {
  code: string;
  url: string;
}

export interface ShortenOptions {
  /** URLs to leave as they are (an e-mail's own unsubscribe link). */
  keep?: (url: string) => boolean;
  /** HTML: URLs are found entity-escaped (&amp;); the link stores and codes the URL itself. */
  html?: boolean;
}

/**
 * Replaces every URL of the text with its short link. `codeOf` gives a URL's code; a URL that is
 * already one of our short links stays as it is. Returns the new text and the links (one per
 * distinct URL) to store before the message is sent.
 */
export function shortenLinks(text: string, publicBaseUrl: string, codeOf: (url: string) => string, opts: ShortenOptions = {}): { text: string; links: TrackedLink[] } {
  const ours = `${publicBaseUrl.replace(/\/+$/, '')}${LINK_PATH}`;
  const links = new Map<string, TrackedLink>();
  let out = '';
  let at = 0;
  for (const found of findUrls(text)) {
    const u = opts.html ? { ...found, url: unescapeHtml(found.url) } : found;
    if (u.url.startsWith(ours) || opts.keep?.(u.url)) continue;
    let link = links.get(u.url);
    if (!link) links.set(u.url, (link = { code: codeOf(u.url), url: u.url }));
    out += text.slice(at, u.start) + shortLinkUrl(publicBaseUrl, link.code);
    at = u.end;
  }
  return { text: out + text.slice(at), links: [...links.values()] };
}

const ENTITIES: Readonly<Record<string, string>> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'" };
/** The entities escapeHtml writes (core/template.ts), back to their characters. */
const unescapeHtml = (s: string) => s.replace(/&(?:amp|lt|gt|quot|#39|#x27);/g, (e) => ENTITIES[e]!);

/**
 * Link previews and scanners fetch a link without anyone tapping it (messaging apps, mail and
 * SMS security filters, crawlers): they are redirected but not counted. An empty user agent is
 * a script, not a handset's browser.
 */
const NOT_A_PERSON = [
  /\b[a-z]*bot\/\d|\b(?:google|bing|yandex|duckduck|apple|twitter|linkedin|slack|discord|telegram|petal|semrush|ahrefs)bot\b/i, // Googlebot/2.1, Slackbot
  /crawler|spider|slurp|\+https?:\/\//i, // crawlers name a contact URL in their agent: (+http://...)
  /facebookexternalhit|whatsapp|skypeuripreview|preview|embedly|google-read-aloud|headlesschrome/i,
  /^(?:curl|wget|python-requests|go-http-client|okhttp|java|libwww-perl)\b/i,
];

export function isAutomatedFetch(userAgent: string | undefined): boolean {
  return !userAgent || userAgent.trim() === '' || NOT_A_PERSON.some((re) => re.test(userAgent));
}

/** Repeated taps within this many ms (a double tap, a browser retry) are one click. */
export const CLICK_DEDUPE_MS = 10_000;

/**
 * The click's event id: the code and a 10-second bucket. Each later click is an event of its own;
 * a double tap, or a retried request, lands in the same bucket and is stored once.
 */
export function clickEventId(code: string, at: Date): string {
  return `link:${code}:${Math.floor(at.getTime() / CLICK_DEDUPE_MS)}`;
}
