/**
 * The Twilio resource shapes the local server speaks: message records and their JSON, error
 * bodies, SIDs, dates, and the list endpoint's filters and paging. Shapes follow Twilio's
 * 2010-04-01 Messages API as twilio-node 6.x parses it.
 */
import { randomBytes } from 'node:crypto';
import { analyzeSms } from '../core/sms';
import type { MessageStatus } from '../core/delivery-outcome';

export const API_VERSION = '2010-04-01';

export interface CallbackRecord {
  status: MessageStatus;
  url: string;
  at: string;
  /** HTTP status of the webhook's last answer, or the error when there was none. */
  httpStatus?: number;
  error?: string;
  /** Every try, oldest first: a 5xx or a connection error is tried again (sandbox/twilio-replay.ts). */
  tries: Array<{ at: string; httpStatus?: number; error?: string }>;
  /** A rule dropped this callback (dropCallbacks): the provider never sent it. */
  dropped?: true;
}

/** One message as the sandbox stores it (also the admin API's shape). */
export interface SandboxMessage {
  sid: string;
  accountSid: string;
  direction: 'outbound-api' | 'inbound';
  from: string | null;
  to: string;
  body: string;
  status: MessageStatus;
  errorCode: number | null;
  messagingServiceSid: string | null;
  statusCallback: string | null;
  validityPeriod: number | null;
  numSegments: number;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
  /** The API accepted it but the sandbox dropped the response on purpose (loseResponse rule). */
  responseLost: boolean;
  callbacks: CallbackRecord[];
}

export const newSid = (prefix: 'SM' | 'MM') => `${prefix}${randomBytes(16).toString('hex')}`;

/** Twilio's RFC 2822 dates: "Thu, 24 Aug 2023 05:01:45 +0000". */
export const rfc2822 = (iso: string | null) => (iso === null ? null : new Date(iso).toUTCString().replace('GMT', '+0000'));

export const segmentsOf = (body: string) => analyzeSms(body).segments;

export function messageJson(m: SandboxMessage) {
  const uri = `/${API_VERSION}/Accounts/${m.accountSid}/Messages/${m.sid}.json`;
  return {
    account_sid: m.accountSid,
    api_version: API_VERSION,
    body: m.body,
    date_created: rfc2822(m.createdAt),
    date_sent: rfc2822(m.sentAt),
    date_updated: rfc2822(m.updatedAt),
    direction: m.direction,
    error_code: m.errorCode,
    error_message: null,
    from: m.from,
    messaging_service_sid: m.messagingServiceSid,
    num_media: '0',
    num_segments: String(m.numSegments),
    price: null,
    price_unit: 'USD',
    sid: m.sid,
    status: m.status,
    subresource_uris: { media: uri.replace(/\.json$/, '/Media.json') },
    to: m.to,
    uri,
  };
}

export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

export const errorBody = (status: number, code: number, message: string): TwilioErrorBody => ({
  code,
  message,
  more_info: `https://www.twilio.com/docs/errors/${code}`,
  status,
});

// ---------------------------------------------------------------------------------------------
// List endpoint: To, From, DateSent / DateSent< / DateSent> (twilio-node sends "DateSent>" as a
// key, so the wire reads DateSent>=...: inclusive), PageSize (default 50, max 1000), Page.

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** [from, to] instants (ms) covered by a DateSent value: a whole UTC day, or one second. */
function dateRange(value: string): [number, number] | null {
  if (DAY.test(value)) {
    const start = Date.parse(`${value}T00:00:00Z`);
    return Number.isNaN(start) ? null : [start, start + 86_400_000 - 1];
  }
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : [t, t + 999];
}

export interface ListQuery {
  to?: string;
  from?: string;
  sentOn?: [number, number];
  sentAtOrAfter?: number;
  sentAtOrBefore?: number;
  pageSize: number;
  page: number;
}

/** Parses the list query; returns an error message for a bad value. */
export function parseListQuery(q: Record<string, string | undefined>): ListQuery | string {
  const out: ListQuery = { pageSize: 50, page: 0 };
  if (q.To) out.to = q.To;
  if (q.From) out.from = q.From;
  for (const [key, apply] of [
    ['DateSent', (r: [number, number]) => (out.sentOn = r)],
    ['DateSent>', (r: [number, number]) => (out.sentAtOrAfter = r[0])],
    ['DateSent<', (r: [number, number]) => (out.sentAtOrBefore = r[1])],
  ] as const) {
    const v = q[key];
    if (v === undefined) continue;
    const r = dateRange(v);
    if (!r) return `Invalid ${key} value '${v}'`;
    apply(r);
  }
  if (q.PageSize !== undefined) {
    const n = Number(q.PageSize);
    if (!Number.isInteger(n) || n < 1 || n > 1000) return 'PageSize must be 1-1000';
    out.pageSize = n;
  }
  if (q.Page !== undefined) {
    const n = Number(q.Page);
    if (!Number.isInteger(n) || n < 0) return 'Page must be a non-negative integer';
    out.page = n;
  }
  return out;
}

function matches(m: SandboxMessage, q: ListQuery): boolean {
  if (q.to !== undefined && m.to !== q.to) return false;
  if (q.from !== undefined && m.from !== q.from) return false;
  const dated = q.sentOn || q.sentAtOrAfter !== undefined || q.sentAtOrBefore !== undefined;
  if (!dated) return true;
  // As at Twilio, a message not yet sent has no date_sent and no date filter selects it.
  if (m.sentAt === null) return false;
  const t = Date.parse(m.sentAt);
  if (q.sentOn && (t < q.sentOn[0] || t > q.sentOn[1])) return false;
  if (q.sentAtOrAfter !== undefined && t < q.sentAtOrAfter) return false;
  if (q.sentAtOrBefore !== undefined && t > q.sentAtOrBefore) return false;
  return true;
}

/** One page of the list endpoint, newest first, with Twilio's paging fields. */
export function listPage(all: readonly SandboxMessage[], q: ListQuery, accountSid: string, rawQuery: Record<string, string | undefined>) {
  const selected = all.filter((m) => matches(m, q)).reverse();
  const start = q.page * q.pageSize;
  const slice = selected.slice(start, start + q.pageSize);
  const base = `/${API_VERSION}/Accounts/${accountSid}/Messages.json`;
  const pageUri = (page: number) => {
    const params = new URLSearchParams();
    for (const key of ['To', 'From', 'DateSent', 'DateSent<', 'DateSent>']) {
      const v = rawQuery[key];
      if (v !== undefined) params.set(key, v);
    }
    params.set('PageSize', String(q.pageSize));
    params.set('Page', String(page));
    return `${base}?${params.toString()}`;
  };
  return {
    end: start + Math.max(slice.length, 1) - 1,
    first_page_uri: pageUri(0),
    messages: slice.map(messageJson),
    next_page_uri: start + q.pageSize < selected.length ? pageUri(q.page + 1) : null,
    page: q.page,
    page_size: q.pageSize,
    previous_page_uri: q.page > 0 ? pageUri(q.page - 1) : null,
    start,
    uri: pageUri(q.page),
  };
}
