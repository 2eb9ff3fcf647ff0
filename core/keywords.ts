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

import { EN_PHRASES, findPerSe, matchPhrase, tokenize, ZH_NEGATION_BEFORE, ZH_PHRASES, ZH_SHORT_MAX, ZH_SHORT_WORDS } from './revocation-text';

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
