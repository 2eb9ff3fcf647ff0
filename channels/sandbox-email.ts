/** EmailSender for EMAIL_PROVIDER=sandbox: records e-mails in memory and accepts them all. */
import { messageIdFor, type EmailSender, type OutboundEmail } from './email';

export interface RecordedEmail extends OutboundEmail {
  messageId: string;
  createdAt: Date;
}

export function createSandboxEmailSender(from: string): EmailSender & { sent(): RecordedEmail[] } {
  const log: RecordedEmail[] = [];
  return {
    callTimeoutMs: 1_000,
    async send(m) {
      const messageId = messageIdFor(m.ledgerId, from);
      log.push({ ...m, messageId, createdAt: new Date() });
      return { ok: true, messageId, response: '250 recorded by the sandbox' };
    },
    sent: () => log.map((m) => ({ ...m })),
  };
}
