/** Automatic replies to opt-out, opt-in and help keywords (core/keywords.ts classifies the reply). Pure. */
import type { InboundKind } from './keywords';

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
