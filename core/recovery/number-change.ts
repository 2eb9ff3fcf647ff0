/**
 * A customer reports a new number while the current one is still reachable: the current number is
 * told, at once, and (where the contact policy's consent.numberChange says so) must agree before
 * anything merges. Whoever holds the current number is the customer we know; whoever reported the
 * change may not be (issue 17: a token meant for events moved a reachable customer to a number
 * the caller controlled). Pure: the texts, how an answer is read, what the policy asks.
 */
import { classifyInbound } from '../keywords';
import { maskPhone } from '../mask';
import { recoveryTextLanguage } from './confirmation';
import type { ContactPolicy } from '../policy/contact-policy';

/** 'notify': told, a NO cancels; 'consent': told, only a YES lets the change go on. */
export type CurrentNumberCheck = 'notify' | 'consent';

/** What the policy asks of a reported change; null when the current number is dead (nobody to tell). */
export function currentNumberCheck(policy: ContactPolicy, currentReachable: boolean): CurrentNumberCheck | null {
  if (!currentReachable) return null;
  return policy.consent.numberChange.requireCurrentNumberAnswer ? 'consent' : 'notify';
}

/** How long the current number has to answer (consent) or to object (notify). */
export const currentAnswerWithinMs = (policy: ContactPolicy): number => Math.round(policy.consent.numberChange.answerWithinHours * 3_600_000);

const TEXTS: Readonly<Record<string, Record<CurrentNumberCheck, (brand: string, to: string) => string>>> = {
  zh: {
    notify: (b, to) => `【${b}】您在${b}的号码将被更改为${to}。如非本人操作，请回复N`,
    consent: (b, to) => `【${b}】您在${b}的号码将被更改为${to}。同意请回复Y，如非本人操作请回复N`,
  },
  'zh-hant': {
    notify: (b, to) => `【${b}】您在${b}的號碼將被更改為${to}。如非本人操作，請回覆N`,
    consent: (b, to) => `【${b}】您在${b}的號碼將被更改為${to}。同意請回覆Y，如非本人操作請回覆N`,
  },
  en: {
    notify: (b, to) => `[${b}] Your number at ${b} is being changed to ${to}. Reply NO if this wasn't you`,
    consent: (b, to) => `[${b}] Your number at ${b} is being changed to ${to}. Reply YES to allow it, NO if this wasn't you`,
  },
};

/** The notice to the current number, in the customer's language; the new number masked (+1201****0143). */
export function currentNumberNotice(language: string | null, brand: string, check: CurrentNumberCheck, newE164: string): { language: string; text: string } {
  const key = recoveryTextLanguage(language);
  return { language: key, text: TEXTS[key]![check](brand, maskPhone(newE164)) };
}

export type CurrentNumberReply = 'consent' | 'refuse' | 'unclear';

/**
 * Y / YES / 是 / 确认 -> consent; N / NO / 否 / 不是, and every opt-out (STOP, T, 退订) -> refuse;
 * anything else is unclear (and changes nothing).
 */
export function interpretCurrentNumberReply(body: string): CurrentNumberReply {
  const c = classifyInbound(body, { context: 'recovery_confirmation' });
  if (c.kind === 'confirm_yes') return 'consent';
  if (c.kind === 'opt_out') return 'refuse';
  // In this context the only keyword that classifies as 'other' is a decline (core/keywords.ts).
  if (c.kind === 'other' && c.basis === 'keyword') return 'refuse';
  return 'unclear';
}
