/**
 * Which reply keywords a message we sent offered for opting out: "回N退订" offers N, "拒收请回复R"
 * offers R, "Reply N to opt out" offers N, the standard footers offer STOP / T. A reply of such a
 * keyword is an opt-out (core/keywords.ts extraOptOutKeywords), whether or not the keyword is one
 * of the standard ones: the sender told the recipient that it means "stop". Pure.
 *
 * The keywords come from the text as sent (rules below) plus the campaign's configured
 * `optOutKeywords`. They are returned in the classifier's normal form (NFKC, lower case).
 */
import type { InboundContext, InboundPolicy } from './keywords';

/** One keyword as printed: 1-8 letters or digits, maybe quoted ("N", 「TD」, 'stop'). */
const KW = String.raw`["'“”‘’「」『』]?\s*([a-z0-9]{1,8})\s*["'“”‘’「」『』]?`;
const ZH_STOP = '(?:退订|退訂|拒收|取消订阅|取消訂閱|退出)';
const EN_STOP = String.raw`(?:opt[\s-]?out|unsubscribe|stop|end|cancel|quit|be\s+removed|leave)`;

interface OfferRule {
  id: string;
  re: RegExp;
}

const OFFER_RULES: readonly OfferRule[] = [
  // 回N退订, 回复TD退订, 回覆T退訂, 回复0000退订, 回R拒收
  { id: 'zh_reply_kw_stop', re: new RegExp(String.raw`回(?:复|覆)?\s*${KW}\s*(?:即可)?\s*${ZH_STOP}`, 'giu') },
  // 退订回N, 拒收请回复R, 退订请回T
  { id: 'zh_stop_reply_kw', re: new RegExp(String.raw`${ZH_STOP}\s*(?:请|請)?\s*回(?:复|覆)?\s*${KW}(?![a-z0-9])`, 'giu') },
  // Reply N to opt out, Text STOP to unsubscribe, reply with N to stop
  { id: 'en_reply_kw_to_stop', re: new RegExp(String.raw`\b(?:reply|text|txt|send|respond|msg)\s+(?:with\s+)?${KW}\s+to\s+${EN_STOP}\b`, 'giu') },
  // "Reply Y to confirm, N to opt out": a keyword in capitals after a comma, semicolon or "or"
  { id: 'en_listed_kw_to_stop', re: new RegExp(String.raw`(?:[,;]\s*|\bor\s+)["'“”]?([A-Z0-9]{1,8})["'“”]?\s+to\s+${EN_STOP}\b`, 'gu') },
  // es / pt / fr: Responde N para darte de baja, Répondez N pour vous désabonner
  { id: 'romance_reply_kw', re: new RegExp(String.raw`\b(?:responde|responda|contesta|env[ií]a|envie|escribe|r[ée]pondez|envoyez|tapez)\s+${KW}\s+(?:para|pour)\b`, 'giu') },
  // de: Antworte N zum Abmelden
  { id: 'de_reply_kw', re: new RegExp(String.raw`\b(?:antworte\w*|sende\w*|schreib\w*)\s+(?:mit\s+)?${KW}\s+(?:zum|um)\b`, 'giu') },
  // ja: 配信停止はSTOPと返信
  { id: 'ja_kw_reply', re: new RegExp(String.raw`${KW}\s*(?:と|を)\s*返信`, 'giu') },
];

/** Words an instruction may seem to offer but that keep their own meaning (re-subscribe, help) or are no keyword. */
const NEVER_OFFERED = new Set(['start', 'unstop', 'yes', 'help', 'info', 'me', 'us', 'here', 'back', 'this', 'it']);
/** Answers to a pending changed-number confirmation ("is this your new number?"): there they mean "no", not "stop". */
const DECLINES = new Set(['n', 'no']);

export interface OptOutOffer {
  /** Keywords in normal form, in order of appearance, without repeats. */
  keywords: string[];
  /** Which rule found each keyword (rule id or 'campaign.optOutKeywords'), for the proof of an opt-out. */
  found: Array<{ keyword: string; rule: string }>;
}

const normalForm = (k: string): string => k.normalize('NFKC').toLowerCase().replace(/[\s\p{Pd}_.·・]+/gu, '');

/** The opt-out keywords `text` offers, plus the campaign's configured ones. */
export function offeredOptOutKeywords(text: string, configured: readonly string[] = []): OptOutOffer {
  const normalized = text.normalize('NFKC');
  const hits: Array<{ at: number; keyword: string; rule: string }> = [];
  for (const rule of OFFER_RULES) {
    for (const m of normalized.matchAll(rule.re)) hits.push({ at: m.index ?? 0, keyword: normalForm(m[1]!), rule: rule.id });
  }
  hits.sort((a, b) => a.at - b.at);
  for (const k of configured) hits.push({ at: Infinity, keyword: normalForm(k), rule: 'campaign.optOutKeywords' });
  const found: OptOutOffer['found'] = [];
  for (const h of hits) {
    if (h.keyword.length === 0 || NEVER_OFFERED.has(h.keyword) || found.some((f) => f.keyword === h.keyword)) continue;
    found.push({ keyword: h.keyword, rule: h.rule });
  }
  return { keywords: found.map((f) => f.keyword), found };
}

/**
 * The classifier policy for a reply to a message that made this offer. While a changed-number
 * confirmation is pending, N / NO answer that question (a decline) and are not taken from the offer.
 */
export function inboundPolicyFor(offer: OptOutOffer, context: InboundContext = 'default'): InboundPolicy {
  const keywords = context === 'recovery_confirmation' ? offer.keywords.filter((k) => !DECLINES.has(k)) : offer.keywords;
  return { context, ...(keywords.length ? { extraOptOutKeywords: keywords } : {}) };
}
