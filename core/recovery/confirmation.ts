import { classifyInbound, type InboundClassification } from '../keywords';

/**
 * The one low-intrusion SMS a recovery candidate gets (seed 002: "【XX品牌】…请回复Y确认…回T退订"),
 * and how its reply is read. It is not marketing: it carries no offer, and it always says how to
 * refuse with a keyword classifyInbound reads as opt-out. Sent as written (no footer appended).
 */
export type ConfirmationKind = 'confirmation' | 'reminder';

const TEXTS: Readonly<Record<string, Record<ConfirmationKind, (brand: string) => string>>> = {
  zh: {
    confirmation: (b) => `【${b}】回复Y确认此为您的新号码，回复T退订`,
    reminder: (b) => `【${b}】提醒：回复Y确认此为您的新号码，回复T退订`,
  },
  'zh-hant': {
    confirmation: (b) => `【${b}】回覆Y確認此為您的新號碼，回覆T退訂`,
    reminder: (b) => `【${b}】提醒：回覆Y確認此為您的新號碼，回覆T退訂`,
  },
  en: {
    confirmation: (b) => `[${b}] Reply Y to confirm this is your new number, STOP to opt out`,
    reminder: (b) => `[${b}] Reminder: reply Y to confirm this is your new number, STOP to opt out`,
  },
};

/** Language tag ('zh-CN', 'zh-Hant-TW', 'en-US', anything) -> the language of recovery texts: zh, zh-hant, else en. */
export function recoveryTextLanguage(language: string | null): 'zh' | 'zh-hant' | 'en' {
  const parts = (language ?? 'en').toLowerCase().replace(/_/g, '-').split('-');
  if (parts[0] !== 'zh') return 'en';
  return parts.some((p) => ['hant', 'tw', 'hk', 'mo'].includes(p)) ? 'zh-hant' : 'zh';
}

/** Language tag -> the text; English when unknown. */
export function confirmationText(language: string | null, brand: string, kind: ConfirmationKind = 'confirmation'): { language: string; text: string } {
  const key = recoveryTextLanguage(language);
  return { language: key, text: TEXTS[key]![kind](brand) };
}

export type RecoveryReply = 'confirm' | 'refuse' | 'unclear';

/** Y / YES / 是 / 确认 -> confirm; T / TD / STOP / 退订 (every opt-out) -> refuse; else unclear. */
export function interpretRecoveryReply(body: string): { reply: RecoveryReply; classification: InboundClassification } {
  const c = classifyInbound(body, { context: 'recovery_confirmation' });
  return { reply: c.kind === 'confirm_yes' ? 'confirm' : c.kind === 'opt_out' ? 'refuse' : 'unclear', classification: c };
}
