/**
 * Inbound SMS reply classification: opt-out, opt-in, help, recovery confirmation. Pure.
 *
 * Order of decisions (test/fixtures/opt_out_keywords.json documents the same policy):
 *  1. Normalise: NFKC (full-width ＳＴＯＰ/ＴＤ -> STOP/TD), case-fold, trim whitespace, strip
 *     leading/trailing punctuation, symbols and emoji; a second "compact" form also drops inner
 *     spaces/hyphens/dots ("Opt-Out" -> optout, "STOP ALL" -> stopall).
 *  2. Whole-message keywords, precedence opt_out > help > confirm_yes (only in the
 *     recovery_confirmation context) > opt_in. Never prefix/substring matching ("TDD", "Tomorrow",
 *     "STOPWATCH", "weekend" are not keywords).
 *  3. Free-text revocation (FCC 24-18, 47 CFR 64.1200(a)(10): any reasonable method; the words
 *     stop, quit, end, revoke, opt out, cancel, unsubscribe are reasonable per se). Twilio only
 *     blocks single-word keywords, so "please stop texting me" or "STOP ALL" reach us and must be
 *     honoured here. A per-se word counts when it is used as a request to the sender (imperative
 *     or "I want to ..." framing, not negated, about the messages); curated phrases
 *     ("remove me", "don't text me", 不要再发了, 别再给我发短信了) count too. Chinese: a short
 *     message (<= 10 chars) containing 退订 counts; a longer one (e.g. an echoed marketing text
 *     with "回复T退订") goes to other + needsReview.
 *  4. Otherwise other; needsReview=true when an opt-out word was present but not taken as a request.
 *
 * YES is both a Twilio default opt-in keyword and the reply to the changed-number confirmation
 * ("Reply Y to confirm"). The caller states which via `policy.context`; with
 * 'recovery_confirmation' Y/YES/是/确认 -> confirm_yes. If the Messaging Service keeps YES in
 * Twilio's opt-in list, Twilio also sends its own opt-in auto-reply to that YES; remove YES from
 * the Advanced Opt-Out opt-in keywords when confirmations are used.
 */

export type InboundKind = 'opt_out' | 'opt_in' | 'help' | 'confirm_yes' | 'other';

/** 'recovery_confirmation': a "reply Y to confirm this is your new number" SMS is pending. */
export type InboundContext = 'default' | 'recovery_confirmation';

export interface InboundPolicy {
  context?: InboundContext;
  /** Treat a bare N as opt-out (senders that print '回N退订'). Default false. */
  nMeansOptOut?: boolean;
  /** Further whole-message opt-out keywords, e.g. those the message replied to offered ('R' for '拒收请回复R'; core/opt-out-offer.ts). */
  extraOptOutKeywords?: readonly string[];
}

export type ClassificationBasis =
  | 'keyword' // the whole normalised message is a keyword
  | 'per_se_request' // FCC per-se word used as a request
  | 'phrase' // curated revocation phrase (product policy)
  | 'zh_short_tuiding' // short Chinese message containing 退订 / 拒收 / 取消订阅
  | 'none';

/**
 * What Twilio's default STOP filtering does with this exact body: 'blocks' (documented
 * single-word keyword, upper case, nothing else), 'undocumented' (a keyword only after case /
 * whitespace / punctuation / width normalisation), 'does_not_block'. Where Twilio does not block,
 * the product alone keeps the number from being messaged again.
 */
export type TwilioDefaultFilter = 'blocks' | 'does_not_block' | 'undocumented';

export interface InboundClassification {
  kind: InboundKind;
  /** Canonical keyword or phrase that decided (upper case for Latin keywords). */
  keyword?: string;
  reason: string;
  basis: ClassificationBasis;
  /** True when a person should look at it (opt-out word present but not taken as a request, etc.). */
  needsReview: boolean;
  twilioDefaultFilter: TwilioDefaultFilter;
}

const OPT_OUT_KEYWORDS = [
  'stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit', 'revoke', 'optout', 't', 'td', '退订', '退訂',
] as const;
const HELP_KEYWORDS = ['help', 'info', '帮助', '幫助'] as const;
const OPT_IN_KEYWORDS = ['start', 'unstop', 'yes'] as const;
const CONFIRM_KEYWORDS = ['y', 'yes', '是', '是的', '确认', '確認'] as const;
const DECLINE_KEYWORDS = ['n', 'no', '否', '不是'] as const;

/** Twilio's default keywords (opt-out incl. REVOKE/OPTOUT since 2025-05-14, opt-in, help). */
const TWILIO_KEYWORDS = new Set([
  'STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT', 'START', 'YES', 'UNSTOP', 'HELP', 'INFO',
]);

const EDGE = /^[\p{P}\p{S}\p{Z}\p{C}\p{M}\s]+|[\p{P}\p{S}\p{Z}\p{C}\p{M}\s]+$/gu;

function normalize(body: string): string {
  return body
    .normalize('NFKC')
    .replace(/[‘’‛`´′]/g, "'")
    .toLowerCase()
    .replace(EDGE, '')
    .replace(/\s+/gu, ' ');
}

function compact(normalized: string): string {
  return normalized.replace(/[\s\p{Pd}_.·・]+/gu, '');
}

function canonical(keyword: string): string {
  return /^[a-z]+$/.test(keyword) ? keyword.toUpperCase() : keyword;
}

function twilioFilter(body: string, normalized: string): TwilioDefaultFilter {
  if (TWILIO_KEYWORDS.has(body)) return 'blocks';
  // Twilio supports no spaces inside keywords ("OPTOUT but not OPT OUT"), so only hyphens go.
  if (TWILIO_KEYWORDS.has(normalized.replace(/\p{Pd}/gu, '').toUpperCase())) return 'undocumented';
  return 'does_not_block';
}

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

interface PerSeHit {
  word: string;
  request: boolean;
}

function tokenize(normalized: string): string[] {
  return normalized
    .split(/[^\p{L}\p{N}']+/u)
    .map((t) => t.replace(/^'+|'+$/g, ''))
    .filter((t) => t.length > 0);
}

function findPerSe(tokens: string[]): PerSeHit[] {
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

interface Phrase {
  re: RegExp;
  label: string;
  /** Check for a negation just before the match ("don't remove me"). */
  negatable: boolean;
  review?: boolean;
  reason?: string;
}

const EN_PHRASES: readonly Phrase[] = [
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

const ZH_NEGATION_BEFORE = /(?:不|别|別|不要|不用|无需|無需|没|沒|没有|沒有|不想|未|不会|不會|不能)\s*$/u;

const ZH_PHRASES: readonly Phrase[] = [
  {
    re: /(?:不要|别|別|勿|不准|不许|不許|不用|停止)\s*再?\s*(?:给我|給我|向我|跟我|对我|對我)?\s*(?:发|發|发送|發送|推送)\s*(?:了|啦|短信|簡訊|信息|訊息|消息|广告|廣告|营销|營銷|这些|這些|这种|這種|这类|過來|过来|$)/u,
    label: '不要再发',
    negatable: true,
  },
  { re: /(?:不想|不愿|不願|不要|不再)\s*再?\s*(?:收到|接收|接到)/u, label: '不想再收到', negatable: false },
];

const ZH_SHORT_WORDS = /退订|退訂|拒收|取消订阅|取消訂閱/u;
const ZH_SHORT_MAX = 10;

function matchPhrase(phrases: readonly Phrase[], text: string, zh: boolean): Phrase | null {
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

// --- classifier -------------------------------------------------------------------------------

export function classifyInbound(body: string, policy: InboundPolicy = {}): InboundClassification {
  const context = policy.context ?? 'default';
  const norm = normalize(body);
  const comp = compact(norm);
  const twilio = twilioFilter(body, norm);
  const result = (
    kind: InboundKind,
    basis: ClassificationBasis,
    reason: string,
    keyword?: string,
    needsReview = false,
  ): InboundClassification => ({
    kind,
    ...(keyword === undefined ? {} : { keyword }),
    reason,
    basis,
    needsReview,
    twilioDefaultFilter: twilio,
  });
  const whole = (list: readonly string[]): string | undefined =>
    list.find((k) => k === norm) ?? list.find((k) => k === comp);

  // 1. whole-message keywords
  const optOut: string[] = [...OPT_OUT_KEYWORDS];
  if (policy.nMeansOptOut) optOut.push('n');
  for (const extra of policy.extraOptOutKeywords ?? []) optOut.push(compact(normalize(extra)));
  const oo = whole(optOut);
  if (oo !== undefined) {
    const why = (OPT_OUT_KEYWORDS as readonly string[]).includes(oo)
      ? 'whole-message opt-out keyword'
      : oo === 'n' && policy.nMeansOptOut
        ? 'N enabled as opt-out by policy'
        : 'opt-out keyword offered by the message replied to (core/opt-out-offer.ts):';
    return result('opt_out', 'keyword', `${why} ${canonical(oo)}`, canonical(oo));
  }
  const help = whole(HELP_KEYWORDS);
  if (help !== undefined) return result('help', 'keyword', `help keyword ${canonical(help)}`, canonical(help));
  if (context === 'recovery_confirmation') {
    const yes = whole(CONFIRM_KEYWORDS);
    if (yes !== undefined) {
      return result(
        'confirm_yes',
        'keyword',
        `confirms the pending number confirmation (${canonical(yes)}); YES is not treated as opt-in in this context`,
        canonical(yes),
      );
    }
  }
  const optIn = whole(OPT_IN_KEYWORDS);
  if (optIn !== undefined) return result('opt_in', 'keyword', `opt-in keyword ${canonical(optIn)}`, canonical(optIn));

  // 2. free-text revocation
  const tokens = tokenize(norm);
  const hits = findPerSe(tokens);
  const request = hits.find((h) => h.request);
  if (request) {
    return result(
      'opt_out',
      'per_se_request',
      `FCC per-se word "${request.word === 'optout' ? 'opt out' : request.word}" used as a request to stop messages`,
      canonical(request.word),
    );
  }
  const en = matchPhrase(EN_PHRASES, norm, false);
  if (en) return result('opt_out', 'phrase', en.reason ?? `revocation phrase "${en.label}"`, en.label, en.review ?? false);
  const zh = matchPhrase(ZH_PHRASES, norm, true);
  if (zh) return result('opt_out', 'phrase', `revocation phrase "${zh.label}"`, zh.label);

  const zhWord = ZH_SHORT_WORDS.exec(norm);
  if (zhWord) {
    const chars = [...norm.replace(/\s+/gu, '')].length;
    const negated = ZH_NEGATION_BEFORE.test(norm.slice(0, zhWord.index));
    if (!negated && chars <= ZH_SHORT_MAX) {
      return result('opt_out', 'zh_short_tuiding', `short message containing ${zhWord[0]}`, zhWord[0]);
    }
    return result(
      'other',
      'none',
      negated
        ? `${zhWord[0]} is negated`
        : `contains ${zhWord[0]} in a longer text (likely an echoed marketing message); not taken as opt-out`,
      undefined,
      true,
    );
  }

  // 3. a decline of a pending confirmation is not an opt-out (unless N is configured as one)
  if (context === 'recovery_confirmation') {
    const no = whole(DECLINE_KEYWORDS);
    if (no !== undefined) {
      return result('other', 'keyword', `declines the pending number confirmation (${canonical(no)})`, canonical(no));
    }
  }

  if (hits.length > 0) {
    const words = [...new Set(hits.map((h) => (h.word === 'optout' ? 'opt out' : h.word)))].join(', ');
    return result('other', 'none', `contains "${words}" but not as a request to stop messages`, undefined, true);
  }
  return result('other', 'none', 'no keyword or revocation request');
}

// --- auto replies -----------------------------------------------------------------------------

export interface AutoReplyOptions {
  /** Support contact for HELP replies (CTIA): a URL, e-mail or phone number. */
  helpContact?: string;
}

/**
 * Reply text for opt_out / opt_in / help in English or Chinese (any zh-* tag; anything else gets
 * English). Returns null for kinds that get no automatic reply. When the Messaging Service keeps
 * Twilio's default keyword replies and the classification says twilioDefaultFilter='blocks',
 * Twilio has already answered; do not send a second reply.
 */
export function autoReply(
  kind: InboundKind,
  language: string,
  brand: string,
  options: AutoReplyOptions = {},
): string | null {
  const zh = language.trim().toLowerCase().startsWith('zh');
  const name = brand.trim();
  const contact = options.helpContact?.trim();
  if (zh) {
    const prefix = name ? `【${name}】` : '';
    switch (kind) {
      case 'opt_out':
        return `${prefix}您已成功退订，将不再收到我们的短信。如需恢复，请回复START。`;
      case 'opt_in':
        return `${prefix}您已重新订阅我们的短信。回复T退订。`;
      case 'help':
        return `${prefix}${contact ? `客服：${contact}。` : ''}回复T退订。`;
      default:
        return null;
    }
  }
  const prefix = name ? `${name}: ` : '';
  switch (kind) {
    case 'opt_out':
      return `${prefix}You have been unsubscribed and will receive no further messages. Reply START to resubscribe.`;
    case 'opt_in':
      return `${prefix}You are subscribed again. Msg frequency varies. Msg & data rates may apply. Reply HELP for help, STOP to opt out.`;
    case 'help':
      return `${prefix}${contact ? `Help: ${contact}. ` : ''}Msg frequency varies. Msg & data rates may apply. Reply STOP to opt out.`;
    default:
      return null;
  }
}
