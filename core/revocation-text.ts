/**
 * Free-text revocation in SMS replies (step 3 of core/keywords.ts classifyInbound): FCC per-se
 * words used as a request (English), curated revocation phrases (English and Chinese) and short
 * Chinese messages containing 退订. Pure.
 */

// --- English free text ------------------------------------------------------------------------

/** FCC per-se words whose meaning in an SMS reply is unambiguous once not negated. */
const UNAMBIGUOUS_PER_SE = new Set(['unsubscribe', 'revoke', 'optout', 'stopall']);
/** FCC per-se words that also have everyday meanings (bus stop, the end, cancel my order). */
const AMBIGUOUS_PER_SE = new Set(['stop', 'quit', 'end', 'cancel']);

const NEGATIONS = new Set([
  "don't", 'dont', 'not', 'never', "can't", 'cant', 'cannot', "won't", 'wont', "didn't", 'didnt',
  "doesn't", 'doesnt', "shouldn't", "couldn't", "wouldn't", 'nor',
]);
/** Words that may precede a per-se word in a request: "please stop", "can you stop", "I want to opt out". */
const LEAD = new Set([
  'please', 'pls', 'plz', 'plse', 'kindly', 'just', 'ok', 'okay', 'k', 'hey', 'hi', 'hello', 'yo', 'so', 'oh', 'omg',
  'now', 'and', 'then', 'seriously', 'really', 'can', 'could', 'would', 'will', 'you', 'u', 'i', "i'd", 'id', 'want',
  'wanna', 'to', 'like', 'need', 'wish', 'how', 'do', 'let', 'me', 'hereby', 'also', 'sir', 'guys', 'stop',
]);
/** Words that may follow: "stop it", "STOP ALL", "stop now please". */
const TRAILING_FILLERS = new Set([
  'please', 'pls', 'plz', 'now', 'all', 'it', 'thanks', 'thank', 'you', 'thx', 'ty', 'already', 'immediately',
  'asap', 'right', 'ok', 'okay', 'seriously', 'stop', 'this', 'that', 'everything', 'them',
]);
const DETERMINERS = new Set(['these', 'this', 'that', 'those', 'the', 'your', 'my', 'all', 'of', 'any']);
const MESSAGE_WORDS = new Set([
  'text', 'texts', 'texting', 'txt', 'txts', 'txting', 'message', 'messages', 'messaging', 'msg', 'msgs', 'sms',
  'sending', 'send', 'contacting', 'contact', 'calling', 'calls', 'emailing', 'emails', 'spam', 'spamming',
  'bothering', 'harassing', 'subscription', 'subscriptions', 'promotions', 'promos', 'promo', 'ads', 'marketing',
  'alerts', 'notifications', 'updates', 'number',
]);

export interface PerSeHit {
  word: string;
  request: boolean;
}

export function tokenize(normalized: string): string[] {
  return normalized
    .split(/[^\p{L}\p{N}']+/u)
    .map((t) => t.replace(/^'+|'+$/g, ''))
    .filter((t) => t.length > 0);
}

export function findPerSe(tokens: string[]): PerSeHit[] {
  const hits: PerSeHit[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    let word: string | null = null;
    let after = i + 1;
    if (tok === 'opt' && tokens[i + 1] === 'out') {
      word = 'optout';
      after = i + 2;
    } else if (UNAMBIGUOUS_PER_SE.has(tok) || AMBIGUOUS_PER_SE.has(tok)) {
      word = tok;
    }
    if (word === null) continue;

    const negated = [tokens[i - 1], tokens[i - 2]].some((t) => t !== undefined && NEGATIONS.has(t));
    const leadOk = tokens.slice(0, i).every((t) => LEAD.has(t));
    let aboutMessages = true;
    if (AMBIGUOUS_PER_SE.has(word)) {
      let j = after;
      while (j < tokens.length && TRAILING_FILLERS.has(tokens[j]!)) j++;
      if (j < tokens.length) {
        let k = j;
        while (k < tokens.length && DETERMINERS.has(tokens[k]!)) k++;
        aboutMessages = MESSAGE_WORDS.has(tokens[j]!) || (k > j && (k === tokens.length || MESSAGE_WORDS.has(tokens[k]!)));
      }
    }
    hits.push({ word, request: !negated && leadOk && aboutMessages });
  }
  return hits;
}

export interface Phrase {
  re: RegExp;
  label: string;
  /** Check for a negation just before the match ("don't remove me"). */
  negatable: boolean;
  review?: boolean;
  reason?: string;
}

export const EN_PHRASES: readonly Phrase[] = [
  {
    re: /\b(?:don't|dont|do not|never)\s+(?:ever\s+)?(?:text|txt|message|msg|sms|contact|call|email|spam)\s+(?:me|us|this number|here)\b/,
    label: "don't text me",
    negatable: false,
  },
  {
    re: /\b(?:don't|dont|do not|never)\s+(?:ever\s+)?send\s+me\s+(?:any\s*more\s+|more\s+|these\s+|this\s+|your\s+)?(?:texts?|messages?|sms|msgs?|spam|ads|promos?|promotions?)\b/,
    label: "don't send me messages",
    negatable: false,
  },
  { re: /\bno\s+more\s+(?:texts?|messages?|sms|msgs?|spam|ads|promos?|promotions?)\b/, label: 'no more texts', negatable: false },
  { re: /\bremove\s+(?:me|my\s+(?:number|phone(?:\s+number)?|name|details|info))\b/, label: 'remove me', negatable: true },
  { re: /\btake\s+(?:me|my\s+(?:number|phone(?:\s+number)?|name))\s+off\b/, label: 'take me off', negatable: true },
  { re: /\bleave\s+me\s+alone\b/, label: 'leave me alone', negatable: true },
  { re: /\bopt\s+me\s+out\b/, label: 'opt me out', negatable: true },
  { re: /\b(?:unsub|unsubcribe|unsuscribe|unsusbscribe|unsubscibe|unsubsribe)\b/, label: 'unsubscribe (misspelt)', negatable: true },
  {
    re: /\bstop\s+(?:texting|messaging|contacting|spamming|bothering|harassing|sending)\b/,
    label: 'stop texting',
    negatable: true,
  },
  {
    re: /\bwrong\s+(?:number|person)\b/,
    label: 'wrong number',
    negatable: true,
    review: true,
    reason: 'wrong number: the number may have been reassigned, so its consent is not ours; stop and review (possible changed-number case)',
  },
];

// --- Chinese free text ------------------------------------------------------------------------

export const ZH_NEGATION_BEFORE = /(?:不|别|別|不要|不用|无需|無需|没|沒|没有|沒有|不想|未|不会|不會|不能)\s*$/u;

export const ZH_PHRASES: readonly Phrase[] = [
  {
    re: /(?:不要|别|別|勿|不准|不许|不許|不用|停止)\s*再?\s*(?:给我|給我|向我|跟我|对我|對我)?\s*(?:发|發|发送|發送|推送)\s*(?:了|啦|短信|簡訊|信息|訊息|消息|广告|廣告|营销|營銷|这些|這些|这种|這種|这类|過來|过来|$)/u,
    label: '不要再发',
    negatable: true,
  },
  { re: /(?:不想|不愿|不願|不要|不再)\s*再?\s*(?:收到|接收|接到)/u, label: '不想再收到', negatable: false },
];

export const ZH_SHORT_WORDS = /退订|退訂|拒收|取消订阅|取消訂閱/u;
export const ZH_SHORT_MAX = 10;

export function matchPhrase(phrases: readonly Phrase[], text: string, zh: boolean): Phrase | null {
  for (const p of phrases) {
    const m = p.re.exec(text);
    if (!m) continue;
    if (p.negatable) {
      const before = text.slice(0, m.index);
      const negated = zh
        ? ZH_NEGATION_BEFORE.test(before)
        : /\b(?:don't|dont|not|never|can't|cant|cannot|won't|wont|didn't|didnt)\s+(?:\S+\s+)?$/.test(before);
      if (negated) continue;
    }
    return p;
  }
  return null;
}
