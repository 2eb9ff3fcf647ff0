import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLinkCoder } from '../../channels/tracked-link';
import { CampaignDefinitionError, parseCampaign } from '../../core/campaign/definition';
import {
  clickEventId,
  findUrls,
  isAutomatedFetch,
  isLinkCode,
  lengthAdded,
  LINK_CODE_LENGTH,
  linkCodeFromMac,
  shortenLinks,
  shortLinkLength,
  shortLinkUrl,
} from '../../core/links';
import { composeSms } from '../../core/sms';

const BASE = 'https://r.example';
const SECRET = 'a-test-secret-of-32-characters!!';

describe('findUrls: the http(s) URLs of a rendered SMS, as a reader sees them', () => {
  it.each<[string, string, string[]]>([
    ['plain', 'Sale: https://shop.example/new today', ['https://shop.example/new']],
    ['http and query', 'See http://x.io/a?b=1&c=2#top now', ['http://x.io/a?b=1&c=2#top']],
    ['sentence full stop after it', 'Open https://x.io/a.', ['https://x.io/a']],
    ['comma, colon, exclamation', 'https://a.io, https://b.io: https://c.io!', ['https://a.io', 'https://b.io', 'https://c.io']],
    ['in parentheses', '(see https://x.io/a)', ['https://x.io/a']],
    ['balanced parentheses kept', 'https://en.wikipedia.org/wiki/Foo_(bar) ok', ['https://en.wikipedia.org/wiki/Foo_(bar)']],
    ['in quotes', 'Go to "https://x.io/q" now', ['https://x.io/q']],
    ['CJK text right after it', '新品上市https://x.cn/a，回复T退订', ['https://x.cn/a']],
    ['full-width stop', '详情见https://x.cn/b。', ['https://x.cn/b']],
    ['upper case scheme', 'HTTPS://X.IO/A', ['HTTPS://X.IO/A']],
    ['two of the same', 'https://x.io https://x.io', ['https://x.io', 'https://x.io']],
    ['no host', 'https:// is not a link', []],
    ['other schemes are not links', 'ftp://x.io mailto:a@b.c tel:+123', []],
    ['a bare domain is not rewritten', 'shop.example/new', []],
    ['inside a word is not a scheme', 'xhttps://x.io', []],
  ])('%s', (_, text, urls) => {
    expect(findUrls(text).map((u) => u.url)).toEqual(urls);
  });

  it('gives offsets that cut the URL out of the text', () => {
    const text = 'A (https://x.io/p?q=1). B';
    const [u] = findUrls(text);
    expect(text.slice(u!.start, u!.end)).toBe('https://x.io/p?q=1');
  });
});

describe('link codes: short, URL-safe, unguessable, and the same for a retried send', () => {
  const code = createLinkCoder(SECRET);
  const key = { campaignId: 7, contactId: 42, url: 'https://shop.example/new' };

  it('is 11 base62 characters', () => {
    const c = code(key);
    expect(c).toHaveLength(LINK_CODE_LENGTH);
    expect(c).toMatch(/^[0-9A-Za-z]{11}$/);
    expect(isLinkCode(c)).toBe(true);
  });

  it('is deterministic: the same campaign, contact and URL give the same code', () => {
    expect(code(key)).toBe(code({ ...key }));
    expect(createLinkCoder(SECRET)(key)).toBe(code(key));
  });

  it.each<[string, Partial<typeof key> | null, string]>([
    ['another campaign', { campaignId: 8 }, SECRET],
    ['another contact', { contactId: 43 }, SECRET],
    ['another URL', { url: 'https://shop.example/new?' }, SECRET],
    ['another secret', null, `${SECRET}x`],
  ])('differs for %s', (_, patch, secret) => {
    expect(createLinkCoder(secret)({ ...key, ...patch })).not.toBe(code(key));
  });

  it('spreads over the alphabet (no fixed characters)', () => {
    const codes = Array.from({ length: 400 }, (_, i) => code({ ...key, contactId: i }));
    expect(new Set(codes).size).toBe(400);
    for (let pos = 0; pos < LINK_CODE_LENGTH; pos++) expect(new Set(codes.map((c) => c[pos])).size).toBeGreaterThan(40);
  });

  it('reads the first 12 bytes of the MAC, most significant first', () => {
    expect(linkCodeFromMac(new Uint8Array(32))).toBe('00000000000');
    expect(linkCodeFromMac(Uint8Array.from([...new Array(11).fill(0), 61, 0]))).toBe('z0000000000');
    expect(linkCodeFromMac(Uint8Array.from([...new Array(11).fill(0), 62]))).toBe('01000000000');
    expect(() => linkCodeFromMac(new Uint8Array(11))).toThrow(RangeError);
  });

  it.each(['', 'abc', '0123456789', '0123456789ab', '01234-56789', '01234_56789', '0123456789é', '../../etc/x'])('rejects %j as a code', (s) => {
    expect(isLinkCode(s)).toBe(false);
  });

  it('refuses to sign without a secret', () => {
    expect(() => createLinkCoder('')).toThrow(/no signing secret/);
  });
});

describe('shortenLinks: each URL becomes PUBLIC_BASE_URL/l/CODE', () => {
  const codeOf = (url: string) => (url.includes('a') ? 'AAAAAAAAAAA' : 'BBBBBBBBBBB');

  it('replaces every URL, one code per distinct URL, the rest of the text as written', () => {
    const r = shortenLinks('Hi Ann, https://x.io/a and https://x.io/b. Again: https://x.io/a!', `${BASE}/`, codeOf);
    expect(r.text).toBe(`Hi Ann, ${BASE}/l/AAAAAAAAAAA and ${BASE}/l/BBBBBBBBBBB. Again: ${BASE}/l/AAAAAAAAAAA!`);
    expect(r.links).toEqual([
      { code: 'AAAAAAAAAAA', url: 'https://x.io/a' },
      { code: 'BBBBBBBBBBB', url: 'https://x.io/b' },
    ]);
  });

  it('leaves a text without URLs, and our own short links, alone', () => {
    expect(shortenLinks('No links here.', BASE, codeOf)).toEqual({ text: 'No links here.', links: [] });
    const ours = `Already short: ${BASE}/l/AAAAAAAAAAA`;
    expect(shortenLinks(ours, BASE, codeOf)).toEqual({ text: ours, links: [] });
  });

  it('keeps the URLs it is told to keep (an e-mail\'s unsubscribe link)', () => {
    const keep = (url: string) => url.startsWith('https://x.io/u/');
    const r = shortenLinks('Shop https://x.io/a or leave: https://x.io/u/tok123', BASE, codeOf, { keep });
    expect(r.text).toBe(`Shop ${BASE}/l/AAAAAAAAAAA or leave: https://x.io/u/tok123`);
    expect(r.links).toEqual([{ code: 'AAAAAAAAAAA', url: 'https://x.io/a' }]);
  });

  it('in HTML: finds URLs in attributes and text, stores and codes them unescaped', () => {
    const seen: string[] = [];
    const html = '<a href="https://x.io/c?i=1&amp;s=M">cart</a> and https://x.io/c?i=1&amp;s=M<br>';
    const r = shortenLinks(html, BASE, (url) => (seen.push(url), 'CCCCCCCCCCC'), { html: true });
    expect(r.text).toBe(`<a href="${BASE}/l/CCCCCCCCCCC">cart</a> and ${BASE}/l/CCCCCCCCCCC<br>`);
    expect(r.links).toEqual([{ code: 'CCCCCCCCCCC', url: 'https://x.io/c?i=1&s=M' }]);
    expect(seen).toEqual(['https://x.io/c?i=1&s=M']); // the same code as the text part gets for it
  });

  it('knows the length a short link takes, and what the rewrite adds or saves', () => {
    expect(shortLinkUrl(`${BASE}//`, 'AAAAAAAAAAA')).toBe(`${BASE}/l/AAAAAAAAAAA`);
    expect(shortLinkLength(BASE)).toBe(BASE.length + 3 + 11);
    expect(shortLinkLength('http://127.0.0.1:8080')).toBe(35);
    expect(lengthAdded('no link', BASE)).toBe(0);
    expect(lengthAdded('https://a.io', BASE)).toBe(shortLinkLength(BASE) - 'https://a.io'.length);
    const long = `https://shop.example/${'p'.repeat(100)}`;
    expect(lengthAdded(`${long} and ${long}`, BASE)).toBe(2 * (shortLinkLength(BASE) - long.length));
  });

  it('counts segments on the text sent: a long URL that made two segments fits in one once shortened', () => {
    const body = `Acme: spring sale, 20% off everything until Sunday. Shop now: https://shop.example/collections/spring?utm_source=sms&utm_campaign=spring-2026&utm_medium=text`;
    expect(composeSms(body, 'en', 'marketing').analysis.segments).toBe(2);
    const { text } = shortenLinks(body, BASE, () => 'AAAAAAAAAAA');
    const sent = composeSms(text, 'en', 'marketing');
    expect(sent.text).toBe(`Acme: spring sale, 20% off everything until Sunday. Shop now: ${BASE}/l/AAAAAAAAAAA Reply STOP to opt out`);
    expect(sent.analysis).toMatchObject({ encoding: 'GSM-7', segments: 1, units: sent.text.length });
    expect(sent.text.length - body.length - ' Reply STOP to opt out'.length).toBe(lengthAdded(body, BASE));
  });
});

describe('clicks: who counts and how often', () => {
  it.each<[string, string | undefined, boolean]>([
    ['iPhone Safari', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1', false],
    ['Android Chrome', 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36', false],
    ['WeChat browser', 'Mozilla/5.0 (Linux; Android 13; V2183A) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/107.0 Mobile Safari/537.36 MicroMessenger/8.0.47', false],
    ['a handset named Cubot', 'Mozilla/5.0 (Linux; Android 12; CUBOT X50) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36', false],
    ['no user agent', undefined, true],
    ['empty user agent', ' ', true],
    ['iMessage preview', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0', true],
    ['WhatsApp preview', 'WhatsApp/2.23.20.0 A', true],
    ['Slack unfurl', 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', true],
    ['Telegram preview', 'TelegramBot (like TwitterBot)', true],
    ['Googlebot', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', true],
    ['a scanner that names itself', 'Mozilla/5.0 (compatible; SafeLinkScanner/1.0; +https://scan.example)', true],
    ['curl', 'curl/8.5.0', true],
    ['python', 'python-requests/2.31.0', true],
  ])('%s: automated %s', (_, ua, automated) => {
    expect(isAutomatedFetch(ua)).toBe(automated);
  });

  it('taps within the same ten seconds are one click, later ones each count', () => {
    const t = Date.parse('2026-11-25T15:00:00Z');
    expect(clickEventId('AAAAAAAAAAA', new Date(t))).toBe(clickEventId('AAAAAAAAAAA', new Date(t + 9_999)));
    expect(clickEventId('AAAAAAAAAAA', new Date(t))).not.toBe(clickEventId('AAAAAAAAAAA', new Date(t + 10_000)));
    expect(clickEventId('AAAAAAAAAAA', new Date(t))).not.toBe(clickEventId('BBBBBBBBBBB', new Date(t)));
    expect(clickEventId('AAAAAAAAAAA', new Date(t))).toMatch(/^link:AAAAAAAAAAA:\d+$/);
  });
});

describe('campaign definitions: links.track is opt-in', () => {
  const MINIMAL = { name: 'spring', category: 'marketing', audience: { tiers: ['A'] }, templates: { sms: { en: 'Sale https://x.io' } } } as const;

  it('is off when absent, on when asked', () => {
    expect(parseCampaign(MINIMAL).links).toBeUndefined();
    expect(parseCampaign({ ...MINIMAL, links: { track: true } }).links).toEqual({ track: true });
    expect(parseCampaign({ ...MINIMAL, links: { track: false } }).links).toEqual({ track: false });
  });

  it.each<[unknown, RegExp]>([
    [{ track: 'yes' }, /^links\.track: /],
    [{ track: true, domain: 'x' }, /^links: .*domain/],
    [{}, /^links\.track: /],
  ])('rejects links %j', (links, problem) => {
    try {
      parseCampaign({ ...MINIMAL, links });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CampaignDefinitionError);
      expect((e as CampaignDefinitionError).problems).toEqual([expect.stringMatching(problem)]);
    }
  });
});

describe('core/links purity', () => {
  it('imports nothing and uses no clock, randomness or I/O (workflow code may import it)', () => {
    const src = readFileSync(join(import.meta.dirname, '../../core/links.ts'), 'utf8');
    expect(src).not.toMatch(/^import /m);
    expect(src).not.toMatch(/\brequire\s*\(|\bprocess\.|Date\.now|new Date\b|Math\.random|performance\.now|setTimeout|fetch\s*\(/);
  });
});
