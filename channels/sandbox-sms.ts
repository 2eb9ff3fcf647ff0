/**
 * SmsSender for SMS_PROVIDER=sandbox when no Twilio-shaped server runs: records messages in
 * memory and accepts them all. Delivery outcomes and replies need sandbox/twilio-server.ts.
 */
import { randomBytes } from 'node:crypto';
import type { OutboundSms, ProviderSms, SmsSender } from './sms';

export interface RecordedSms extends OutboundSms {
  providerId: string;
  createdAt: Date;
}

/** A recorded message as the provider would list it: accepted, nothing more is known in memory. */
const asProviderSms = (m: RecordedSms): ProviderSms => ({ providerId: m.providerId, to: m.to, from: null, body: m.body, status: 'queued', errorCode: null, createdAt: m.createdAt, sentAt: null });

export function createSandboxSmsSender(): SmsSender & { sent(): RecordedSms[] } {
  const log: RecordedSms[] = [];
  return {
    callTimeoutMs: 1_000,
    async send(m) {
      const providerId = `SM${randomBytes(16).toString('hex')}`;
      log.push({ ...m, providerId, createdAt: new Date() });
      return { ok: true, providerId, status: 'queued' };
    },
    async findSentSince(to, since): Promise<ProviderSms[]> {
      return log
        .filter((m) => m.to === to && m.createdAt >= since)
        .reverse()
        .map(asProviderSms);
    },
    async fetchMessage(providerId) {
      const m = log.find((x) => x.providerId === providerId);
      return m ? asProviderSms(m) : null;
    },
    sent: () => log.map((m) => ({ ...m })),
  };
}
