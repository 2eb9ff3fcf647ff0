/**
 * SmsSender on the real `twilio` library (6.x), against Twilio or the local Twilio-shaped server
 * (sandbox/twilio-server.ts) when `apiBase` (TWILIO_API_BASE) is set.
 *
 * The library's domains build absolute https://<product>.twilio.com/... URLs and hand every
 * request to the client's `httpClient` (a documented ClientOpts field, normally a RequestClient).
 * The sender gives it LeanRequestClient (channels/twilio-http.ts): the same request contract on
 * undici's keep-alive pool instead of axios, which cost more CPU per message than everything
 * else a campaign send does; with `apiBase` it also swaps scheme, host and port for those of `apiBase`
 * (the library has no base-URL option). Building the request, paging through next_page_uri and
 * RestException on 4xx/5xx stay the library's own code, so tests exercise what production runs.
 * Region/edge options are left unset, so the library does not rewrite host names itself.
 * Behind a proxy (HTTP_PROXY / HTTPS_PROXY) the library's own RequestClient is used, which
 * supports one.
 */
import { readFileSync } from 'node:fs';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import { parseMessageStatus } from '../core/delivery-outcome';
import { maskNamed } from '../core/mask';
import { ChannelConfigError, TransientChannelError } from './errors';
import { LeanRequestClient } from './twilio-http';
import { statusCallbackUrlFor, type OutboundSms, type ProviderSms, type SmsSendResult, type SmsSender } from './sms';

export interface TwilioSenderOptions {
  accountSid: string;
  authToken: string;
  /** One of the two senders: a Messaging Service (preferred: number pool, opt-out handling) or a number. */
  messagingServiceSid?: string;
  from?: string;
  /** Base URL replacing https://api.twilio.com (and every other Twilio host), e.g. http://127.0.0.1:4010. */
  apiBase?: string;
  /** Per-request timeout. A timeout after the request went out may mean the message was accepted. */
  timeoutMs?: number;
  /** findSentSince: tolerance between our clock and the provider's, and how many messages to scan. */
  clockSkewMs?: number;
  listLimit?: number;
}

/** The library's RequestClient (axios) sending every Twilio request to `apiBase` instead of *.twilio.com. */
export class ApiBaseRequestClient extends twilio.RequestClient {
  private readonly base: URL;
  constructor(apiBase: string, options: RequestClient.RequestClientOptions = {}) {
    super(options);
    this.base = new URL(apiBase);
  }
  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    return super.request<TData>({ ...opts, uri: rebase(opts.uri, this.base) });
  }
}

/** https://api.twilio.com/2010-04-01/X?q -> <base origin><base path>/2010-04-01/X?q */
export function rebase(uri: string, base: URL): string {
  const original = new URL(uri);
  const prefix = base.pathname.replace(/\/+$/, '');
  return `${base.origin}${prefix}${original.pathname}${original.search}`;
}

/**
 * Twilio 400-class codes that mean our sender configuration is wrong, not this recipient:
 * failing every message "permanently" would wrongly mark the audience. Product policy.
 * 21212 invalid From, 21606 From not message-capable, 21703/21704 Messaging Service has no number.
 */
const CONFIG_ERROR_CODES: ReadonlySet<number> = new Set([21212, 21606, 21703, 21704]);

/** Network error codes that prove the request never reached the provider. */
const NOT_SENT_NETWORK_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

const isRestException = (e: unknown): e is InstanceType<typeof twilio.RestException> => e instanceof twilio.RestException;

/**
 * Permanent errors are returned; everything else is thrown typed. Twilio names the number in some
 * errors (21211 "The 'To' number +1... is not a valid phone number"): every text is kept with
 * `to` masked, as it goes to the ledger, the logs and activity failures.
 */
function classify(err: unknown, what: string, to?: string): { ok: false; permanent: true; code: number; message: string } {
  if (isRestException(err)) {
    const code = err.code ?? err.status;
    const message = maskNamed(err.message || `HTTP ${err.status}`, to ? { phone: to } : {});
    if (err.status === 401 || err.status === 403 || err.status === 404 || CONFIG_ERROR_CODES.has(code)) {
      throw new ChannelConfigError('sms', `Twilio ${what}: ${message} (code ${code}, HTTP ${err.status})`, code);
    }
    if (err.status === 429 || err.status >= 500) {
      throw new TransientChannelError('sms', `Twilio ${what}: ${message} (code ${code}, HTTP ${err.status})`, {
        maybeAccepted: err.status >= 500,
        providerCode: code,
        httpStatus: err.status,
        cause: err,
      });
    }
    return { ok: false, permanent: true, code, message };
  }
  const netCode = typeof err === 'object' && err !== null ? String((err as { code?: unknown }).code ?? '') : '';
  throw new TransientChannelError('sms', `Twilio ${what}: ${maskNamed(err instanceof Error ? err.message : String(err), to ? { phone: to } : {})}${netCode ? ` (${netCode})` : ''}`, {
    maybeAccepted: !NOT_SENT_NETWORK_CODES.has(netCode),
    cause: err,
  });
}

/**
 * The `twilio` library's client on LeanRequestClient (or, behind a proxy, the library's own
 * RequestClient), every request rebased onto `apiBase` when it is set: Messages (api.twilio.com)
 * and Lookup (lookups.twilio.com) alike.
 */
/** Per-request timeout of the twilio library's requests unless set otherwise. */
export const TWILIO_TIMEOUT_MS = 15_000;

export function createTwilioClient(options: { accountSid: string; authToken: string; apiBase?: string; timeoutMs?: number }): ReturnType<typeof twilio> {
  const timeout = options.timeoutMs ?? TWILIO_TIMEOUT_MS;
  const proxied = Boolean(process.env.HTTP_PROXY || process.env.HTTPS_PROXY);
  const httpClient = proxied
    ? options.apiBase
      ? new ApiBaseRequestClient(options.apiBase, { timeout })
      : undefined
    : new LeanRequestClient({
        timeout,
        ...(options.apiBase ? { apiBase: options.apiBase } : {}),
        ...(process.env.TWILIO_CA_BUNDLE ? { ca: readFileSync(process.env.TWILIO_CA_BUNDLE) } : {}),
      });
  return twilio(options.accountSid, options.authToken, {
    timeout,
    ...(httpClient ? { httpClient: httpClient as unknown as RequestClient } : {}),
  });
}

export function createTwilioSender(options: TwilioSenderOptions): SmsSender {
  if (!options.messagingServiceSid && !options.from) throw new Error('createTwilioSender: messagingServiceSid or from is required');
  const client = createTwilioClient(options);
  const sender = options.messagingServiceSid ? { messagingServiceSid: options.messagingServiceSid } : { from: options.from! };
  const skew = options.clockSkewMs ?? 60_000;
  const listLimit = options.listLimit ?? 200;

  return {
    callTimeoutMs: options.timeoutMs ?? TWILIO_TIMEOUT_MS,
    async send(m: OutboundSms): Promise<SmsSendResult> {
      try {
        const msg = await client.messages.create({
          to: m.to,
          body: m.body,
          statusCallback: statusCallbackUrlFor(m.statusCallbackUrl, m.ledgerId),
          ...(m.validityPeriodSeconds !== undefined ? { validityPeriod: m.validityPeriodSeconds } : {}),
          ...sender,
        });
        return { ok: true, providerId: msg.sid, status: parseMessageStatus(msg.status) ?? 'accepted' };
      } catch (err) {
        return classify(err, 'send', m.to);
      }
    },

    /**
     * Filtered by To only, then by creation time here: Twilio's DateSent filter skips messages
     * still queued (date_sent is null until the carrier hand-off), which are exactly the ones
     * a lost response leaves behind. Per-number volume is small (caps), so `listLimit` covers it.
     */
    async findSentSince(to: string, since: Date): Promise<ProviderSms[]> {
      let found;
      try {
        found = await client.messages.list({ to, limit: listLimit, pageSize: Math.min(listLimit, 1000) });
      } catch (err) {
        classify(err, 'list', to);
        throw err; // classify returned: a 4xx on a list call is a bug, not a recipient verdict
      }
      const from = since.getTime() - skew;
      return found
        .filter((x) => x.direction !== 'inbound' && x.dateCreated.getTime() >= from)
        .map(asProviderSms)
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    },

    /** client.messages(sid).fetch(); Twilio's 20404 (no such message) is null, not a configuration error. */
    async fetchMessage(providerId: string): Promise<ProviderSms | null> {
      try {
        return asProviderSms(await client.messages(providerId).fetch());
      } catch (err) {
        if (isRestException(err) && err.status === 404 && err.code === 20404) return null;
        classify(err, 'fetch');
        throw err; // classify returned: a 4xx on a fetch is a bug, not a recipient verdict
      }
    },
  };
}

type MessageInstance = Awaited<ReturnType<ReturnType<ReturnType<typeof twilio>['messages']>['fetch']>>;

const asProviderSms = (x: MessageInstance): ProviderSms => ({
  providerId: x.sid,
  to: x.to,
  from: x.from ?? null,
  body: x.body,
  status: parseMessageStatus(x.status),
  errorCode: x.errorCode ?? null,
  createdAt: x.dateCreated,
  sentAt: x.dateSent ?? null,
});
