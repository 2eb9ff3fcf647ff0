/**
 * What happens after the sandbox accepts a message: the scripted status callbacks and handset
 * replies, POSTed form-encoded with X-Twilio-Signature computed by the twilio library (exactly
 * as Twilio signs: HMAC-SHA1 of the full URL plus the sorted params, keyed by the auth token).
 * Keeps track of timers and requests so that idle() and stop() know what is pending.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import twilio from 'twilio';
import { shouldApplyStatus, type MessageStatus } from '../core/delivery-outcome';
import type { Script } from './twilio-rules';
import { API_VERSION, newSid, segmentsOf, type CallbackRecord, type SandboxMessage } from './twilio-resources';

const WEBHOOK_TIMEOUT_MS = 15_000;

/**
 * How a status callback that got a 5xx or no answer (connection refused, reset, timeout) is tried
 * again, as Twilio does when a webhook's connection overrides ask for retries (`#rc=`, `rp=all`):
 * `attempts` tries in all, the waits doubling from `initialDelayMs` up to `maxDelayMs`. A 2xx,
 * 3xx or 4xx answer is final.
 */
export interface CallbackRetry {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/** 6 tries over about 15 s. */
export const DEFAULT_CALLBACK_RETRY: Readonly<CallbackRetry> = { attempts: 6, initialDelayMs: 500, maxDelayMs: 8_000 };

export interface ReplyResult {
  sid: string;
  /** Answer of the inbound webhook, or the error when it gave none. */
  httpStatus?: number;
  error?: string;
}

export interface Replayer {
  /** Schedules the callbacks of an accepted message. */
  play(m: SandboxMessage, script: Script): void;
  /** Records an inbound message and POSTs it to the inbound webhook. */
  reply(from: string, to: string, body: string, messagingServiceSid?: string | null): Promise<ReplyResult>;
  cancelScheduled(): void;
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export function createReplayer(o: {
  accountSid: string;
  authToken: string;
  defaultFrom: string;
  store: Map<string, SandboxMessage>;
  inboundWebhookUrl: () => string | undefined;
  callbackRetry?: CallbackRetry;
}): Replayer {
  const { accountSid, authToken, defaultFrom, store } = o;
  const retry = o.callbackRetry ?? DEFAULT_CALLBACK_RETRY;
  // clear() ends the retries of callbacks already under way: their messages are forgotten.
  let epoch = 0;

  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<unknown>>();
  const stopping = new AbortController();
  setMaxListeners(0, stopping.signal); // every callback in flight or waiting to be tried again listens
  let idleWaiters: Array<() => void> = [];
  const checkIdle = () => {
    if (timers.size === 0 && inFlight.size === 0) {
      for (const w of idleWaiters) w();
      idleWaiters = [];
    }
  };
  const later = (delayMs: number, fn: () => Promise<unknown> | void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      track(Promise.resolve().then(fn));
    }, delayMs);
    timers.add(t);
  };
  const cancelScheduled = () => {
    epoch++;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    checkIdle();
  };
  const track = <T>(p: Promise<T>): Promise<T> => {
    const settled = p.catch(() => undefined).finally(() => {
      inFlight.delete(settled);
      checkIdle();
    });
    inFlight.add(settled);
    return p;
  };

  /** POSTs form params signed as Twilio signs them; never throws. */
  async function postSigned(url: string, params: Record<string, string>): Promise<{ httpStatus?: number; error?: string }> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
          'User-Agent': 'TwilioProxy/1.1',
          'X-Twilio-Signature': twilio.getExpectedTwilioSignature(authToken, url, params),
          'I-Twilio-Idempotency-Token': randomUUID(),
        },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(WEBHOOK_TIMEOUT_MS)]),
      });
      await res.arrayBuffer();
      return { httpStatus: res.status };
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Waits `ms` unless the sandbox stops first. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        stopping.signal.removeEventListener('abort', done);
        resolve();
      }
      stopping.signal.addEventListener('abort', done);
    });

  /** POSTs a status callback, trying again after a 5xx or a connection error (CallbackRetry); the record follows every try. */
  async function deliverCallback(record: CallbackRecord, params: Record<string, string>): Promise<void> {
    const mine = epoch;
    for (let attempt = 1, wait = retry.initialDelayMs; ; attempt++, wait = Math.min(wait * 2, retry.maxDelayMs)) {
      const r = await postSigned(record.url, params);
      record.tries.push({ at: new Date().toISOString(), ...r });
      delete record.httpStatus;
      delete record.error;
      Object.assign(record, r);
      const retryable = r.httpStatus === undefined || r.httpStatus >= 500;
      if (!retryable || attempt >= retry.attempts || stopping.signal.aborted || epoch !== mine) return;
      await pause(wait);
      if (stopping.signal.aborted || epoch !== mine) return;
    }
  }

  // --- the outcome of one accepted message ------------------------------------------------------
  async function step(m: SandboxMessage, status: MessageStatus, script: Script): Promise<void> {
    const now = new Date().toISOString();
    if (m.from === null) m.from = defaultFrom; // a Messaging Service picks its number when it queues
    if ((status === 'sent' || status === 'delivered' || status === 'undelivered') && m.sentAt === null) m.sentAt = now;
    const failed = status === 'failed' || status === 'undelivered';
    if (shouldApplyStatus(m.status, status)) {
      m.status = status;
      m.updatedAt = now;
      if (failed) m.errorCode = script.errorCode;
    }
    if (m.statusCallback) {
      const params: Record<string, string> = {
        AccountSid: m.accountSid,
        ApiVersion: API_VERSION,
        From: m.from,
        MessageSid: m.sid,
        MessageStatus: status,
        SmsSid: m.sid,
        SmsStatus: status,
        To: m.to,
      };
      if (m.messagingServiceSid) params.MessagingServiceSid = m.messagingServiceSid;
      if (failed && script.errorCode !== null) params.ErrorCode = String(script.errorCode);
      const record: CallbackRecord = { status, url: m.statusCallback, at: now, tries: [] };
      m.callbacks.push(record);
      if (script.dropCallbacks.includes(status)) record.dropped = true;
      else await deliverCallback(record, params);
    }
    if (status === 'delivered' && script.reply) {
      const { body, afterMs } = script.reply;
      later(afterMs, () => reply(m.to, m.from ?? defaultFrom, body, m.messagingServiceSid));
    }
  }

  function play(m: SandboxMessage, script: Script): void {
    const { delays, outcome } = script;
    later(delays.queued, () => step(m, 'queued', script));
    if (outcome !== 'failed') later(delays.sent, () => step(m, 'sent', script));
    later(delays.final, () => step(m, outcome, script));
  }

  async function reply(from: string, to: string, body: string, messagingServiceSid: string | null = null): Promise<ReplyResult> {
    const now = new Date().toISOString();
    const m: SandboxMessage = {
      sid: newSid('SM'),
      accountSid,
      direction: 'inbound',
      from,
      to,
      body,
      status: 'received',
      errorCode: null,
      messagingServiceSid,
      statusCallback: null,
      validityPeriod: null,
      numSegments: segmentsOf(body),
      createdAt: now,
      updatedAt: now,
      sentAt: now,
      responseLost: false,
      callbacks: [],
    };
    store.set(m.sid, m);
    const inboundWebhookUrl = o.inboundWebhookUrl();
    if (!inboundWebhookUrl) return { sid: m.sid, error: 'no inbound webhook URL configured' };
    const params: Record<string, string> = {
      AccountSid: accountSid,
      ApiVersion: API_VERSION,
      Body: body,
      From: from,
      MessageSid: m.sid,
      NumMedia: '0',
      NumSegments: String(m.numSegments),
      SmsMessageSid: m.sid,
      SmsSid: m.sid,
      SmsStatus: 'received',
      To: to,
    };
    if (messagingServiceSid) params.MessagingServiceSid = messagingServiceSid;
    return { sid: m.sid, ...(await track(postSigned(inboundWebhookUrl, params))) };
  }

  return {
    play,
    reply,
    cancelScheduled,
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        checkIdle();
      }),
    async stop() {
      cancelScheduled();
      stopping.abort();
      await Promise.allSettled([...inFlight]);
    },
  };
}
