/**
 * Complaints (seed 000: "high complaints -> blacklist"; risk adds complaints). Pure: no I/O.
 *
 * What counts as a complaint:
 *  - e-mail: an abuse feedback report (RFC 5965 ARF, Feedback-Type abuse; core/arf.ts) or a
 *    provider's spam report for one of our messages;
 *  - SMS: a reply that complains (`smsComplaintOf`), or a Twilio error code that says the person
 *    or their carrier blocks us (`COMPLAINT_ERROR_CODES`).
 * What a complaint does (`complaintEffect`), with the thresholds of the contact policy
 * (core/policy/contact-policy.v1.json, section `complaints`): marketing on its channel stops at
 * once (rule complaint-channel); at blockList.atComplaints the contact goes on the block list, no
 * marketing on any channel, and to tier D (rule complaint-block-list, core/tier.ts).
 */
import type { ComplaintPolicy } from './policy/contact-policy';

export type ComplaintChannel = 'sms' | 'email';

// ---------------------------------------------------------------------------------------------
// SMS replies

export interface SmsComplaint {
  complaint: boolean;
  /** The word that decided, as written in the rule. */
  keyword?: string;
  /** Why (or why not): one line for the proof and the logs. */
  reason: string;
}

/** English words that call the message spam, anywhere in the reply ("this is spam", "SPAM!!"). */
const SPAM_WORDS = new Set(['spam', 'spammer', 'spammers', 'spamming', 'spammy', 'spams', 'spammed']);
/** "report" alone is a common word ("send me the report"): it counts as the whole reply or aimed at us. */
const REPORT_WORDS = new Set(['report', 'reported', 'reporting']);
const REPORT_TARGETS = new Set(['you', 'u', 'this', 'these', 'it', 'spam', 'abuse', 'sender', 'number', 'junk']);
const REPORT_INTENT = /\b(?:will|i'll|ill|gonna|going to|to)\s+report\b/u;
const EN_NEGATIONS = new Set(['not', "isn't", 'isnt', "wasn't", 'no', 'never', "don't", 'dont', "won't", 'wont', 'without']);
/** Chinese: 举报 (report), 投诉 (complain), 骚扰 (harassment), simplified and traditional. */
const ZH_WORDS = ['举报', '舉報', '投诉', '投訴', '骚扰', '騷擾'] as const;
const ZH_NEGATION_BEFORE = /(?:不|别|別|没|沒|没有|沒有|不会|不會|不是|无|無)\s*$/u;

function tokens(text: string): string[] {
  return text.split(/[^\p{L}\p{N}']+/u).filter((t) => t.length > 0);
}

/** Whether an inbound SMS reply is a complaint. Negated uses ("not spam", "不是骚扰") are not. */
export function smsComplaintOf(body: string): SmsComplaint {
  const text = body.normalize('NFKC').replace(/[‘’`´]/g, "'").toLowerCase().trim();
  if (text.length === 0) return { complaint: false, reason: 'empty reply' };
  const words = tokens(text);
  const negated: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!SPAM_WORDS.has(w) && !REPORT_WORDS.has(w)) continue;
    const before = [words[i - 1], words[i - 2]].filter((x): x is string => x !== undefined);
    if (before.some((b) => EN_NEGATIONS.has(b))) {
      negated.push(w);
      continue;
    }
    if (SPAM_WORDS.has(w)) return { complaint: true, keyword: 'spam', reason: `"${w}" calls the message spam` };
    if (words.length === 1) return { complaint: true, keyword: 'report', reason: 'the whole reply is "report"' };
    const next = words[i + 1];
    if (next !== undefined && REPORT_TARGETS.has(next)) return { complaint: true, keyword: 'report', reason: `"${w} ${next}": a report aimed at the sender` };
    if (REPORT_INTENT.test(text)) return { complaint: true, keyword: 'report', reason: 'a threat to report the sender' };
  }
  for (const zh of ZH_WORDS) {
    let at = text.indexOf(zh);
    while (at >= 0) {
      if (!ZH_NEGATION_BEFORE.test(text.slice(Math.max(0, at - 3), at))) return { complaint: true, keyword: zh, reason: `"${zh}" in the reply` };
      negated.push(zh);
      at = text.indexOf(zh, at + zh.length);
    }
  }
  return negated.length > 0 ? { complaint: false, reason: `negated: ${negated.join(', ')}` } : { complaint: false, reason: 'no complaint word' };
}

// ---------------------------------------------------------------------------------------------
// Twilio error codes

/**
 * Twilio error codes that are a complaint of the recipient. 30004 "Message blocked": the
 * destination blocks this sender (the person blocked us, or asked their carrier to: DND). Not
 * complaints: 30007 "Message filtered" (the carrier's spam filter judged our content or sender
 * reputation: ours to fix, core/delivery-outcome.ts counts it as a content issue), 21610 (an
 * opt-out, recorded as such), and every reachability failure.
 */
export const COMPLAINT_ERROR_CODES: ReadonlySet<number> = new Set([30004]);

export const isComplaintErrorCode = (code: number | null | undefined): boolean => code != null && COMPLAINT_ERROR_CODES.has(code);

// ---------------------------------------------------------------------------------------------
// Effect

export interface ComplaintSuppression {
  channel: ComplaintChannel | 'all';
  kind: 'complaint';
  /** The contact policy rule that put it there. */
  rule: string;
}

export interface ComplaintEffect {
  /** contacts.complaints after these complaints. */
  complaints: number;
  suppressions: ComplaintSuppression[];
  /** On the block list: no marketing on any channel, tier D. */
  blocked: boolean;
  /** tier_history cause. */
  cause: string;
  reasons: string[];
}

/** What `added` new complaints on `channel` do to a contact that had `before`. */
export function complaintEffect(before: number, added: number, channel: ComplaintChannel, policy: ComplaintPolicy): ComplaintEffect {
  if (!Number.isInteger(before) || before < 0 || !Number.isInteger(added) || added < 1) {
    throw new RangeError(`complaints: expected before >= 0 and added >= 1, got ${before} and ${added}`);
  }
  const complaints = before + added;
  const suppressions: ComplaintSuppression[] = [{ channel, kind: 'complaint', rule: policy.channel.id }];
  const reasons = [`${policy.channel.id}: a complaint on ${channel} stops marketing on ${channel}`];
  const blocked = complaints >= policy.blockList.atComplaints;
  if (blocked) {
    suppressions.push({ channel: 'all', kind: 'complaint', rule: policy.blockList.id });
    reasons.push(`${policy.blockList.id}: ${complaints} complaints >= ${policy.blockList.atComplaints}: block list, tier D`);
  }
  return { complaints, suppressions, blocked, cause: `complaint:${channel}`, reasons };
}
