/**
 * The benchmark's Twilio-shaped HTTP sink: a plain node:http server that speaks the calls a
 * campaign makes as Twilio does (HTTP basic auth AccountSid:AuthToken; Twilio's error JSON and
 * codes for a missing or malformed parameter, wrong credentials, an unknown resource):
 *   POST /2010-04-01/Accounts/{AccountSid}/Messages.json   send (To, From | MessagingServiceSid,
 *        Body, StatusCallback, ValidityPeriod): 201 and the message JSON
 *   GET  /2010-04-01/Accounts/{AccountSid}/Messages.json?To=...   the list a retried batch
 *        reconciles with (channels/twilio.ts findSentSince; To is required here)
 * and tallies every message it accepts: destination and acceptance time per campaign (recognised
 * by the brand the body starts with), for the duplicates check.
 *
 * The full local Twilio (sandbox/twilio-server.ts: fastify, zod, status callbacks and replies
 * scheduled per message) costs the benchmark process several times this per message, CPU the
 * machine's other processes then lack: throughput figures would measure the sandbox. No status
 * callback is sent (they exercise the webhook server, bench/webhooks.ts, not the send path).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { API_VERSION, listPage, parseListQuery, type SandboxMessage } from '../sandbox/twilio-resources';

export interface Tally {
  to: string[];
  acceptedAt: number[];
}

export interface BenchSink {
  /** Base URL to use as TWILIO_API_BASE. */
  url: string;
  accountSid: string;
  /** Messages accepted so far. */
  total(): number;
  /** Messages of no known brand. */
  unknown(): number;
  of(brand: string): Tally;
  stop(): Promise<void>;
}

const E164 = /^\+[1-9]\d{1,14}$/;

export async function startBenchSink(options: { authToken: string; brands: readonly string[]; host?: string }): Promise<BenchSink> {
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const expectedAuth = Buffer.from(`Basic ${Buffer.from(`${accountSid}:${options.authToken}`).toString('base64')}`);
  const messagesPath = `/${API_VERSION}/Accounts/${accountSid}/Messages.json`;
  const per = new Map<string, Tally>(options.brands.map((b) => [b, { to: [], acceptedAt: [] }]));
  let total = 0;
  let unknown = 0;
  // Every accepted message, compactly (message i has sid sidOf(i)), and its index by number.
  const stored = { to: [] as string[], body: [] as string[], at: [] as number[], sender: [] as number[] };
  const senders: Array<{ from: string | null; service: string | null }> = [];
  const senderIndex = new Map<string, number>();
  const byTo = new Map<string, number | number[]>();
  // SM + 32 hex: a random half per run and a counter, unique without a random draw per message.
  const sidPrefix = randomBytes(8).toString('hex');
  let dateSecond = 0;
  let dateText = '';
  const rfc2822Now = (ms: number) => {
    const s = Math.floor(ms / 1000);
    if (s !== dateSecond) {
      dateSecond = s;
      dateText = new Date(s * 1000).toUTCString().replace('GMT', '+0000');
    }
    return dateText;
  };

  const send = (res: ServerResponse, status: number, json: unknown) => {
    const text = JSON.stringify(json);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };
  const fail = (res: ServerResponse, status: number, code: number, message: string) =>
    send(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

  const authorized = (req: IncomingMessage) => {
    const header = req.headers.authorization;
    if (!header) return false;
    const got = Buffer.from(header);
    return got.length === expectedAuth.length && timingSafeEqual(got, expectedAuth);
  };

  const accept = (req: IncomingMessage, res: ServerResponse, form: string) => {
    const f = new URLSearchParams(form);
    const to = f.get('To')?.trim();
    const from = f.get('From')?.trim() || null;
    const service = f.get('MessagingServiceSid')?.trim() || null;
    const body = f.get('Body') ?? '';
    if (!to) return fail(res, 400, 21604, "A 'To' phone number is required.");
    if (!from && !service) return fail(res, 400, 21603, "A 'From' phone number is required.");
    if (!body) return fail(res, 400, 21602, 'Message body is required.');
    if (!E164.test(to)) return fail(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    const now = Date.now();
    const index = total++;
    const sid = sidOf(index);
    const senderKey = `${from}|${service}`;
    let sender = senderIndex.get(senderKey);
    if (sender === undefined) {
      senderIndex.set(senderKey, (sender = senders.length));
      senders.push({ from, service });
    }
    stored.to.push(to);
    stored.body.push(body);
    stored.at.push(now);
    stored.sender.push(sender);
    const seen = byTo.get(to);
    if (seen === undefined) byTo.set(to, index);
    else if (typeof seen === 'number') byTo.set(to, [seen, index]);
    else seen.push(index);
    let tally: Tally | undefined;
    for (const [brand, t] of per) if (body.startsWith(brand)) tally = t;
    if (tally) {
      tally.to.push(to);
      tally.acceptedAt.push(now);
    } else unknown++;
    const date = rfc2822Now(now);
    send(res, 201, {
      account_sid: accountSid,
      api_version: API_VERSION,
      body,
      date_created: date,
      date_sent: null,
      date_updated: date,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from,
      messaging_service_sid: service,
      num_media: '0',
      num_segments: '1',
      price: null,
      price_unit: null,
      sid,
      status: from ? 'queued' : 'accepted',
      subresource_uris: { media: `/${API_VERSION}/Accounts/${accountSid}/Messages/${sid}/Media.json` },
      to,
      uri: `/${API_VERSION}/Accounts/${accountSid}/Messages/${sid}.json`,
    });
  };

  const sidOf = (index: number) => `SM${sidPrefix}${(index + 1).toString(16).padStart(16, '0')}`;
  const messageOf = (i: number): SandboxMessage => {
    const created = new Date(stored.at[i]!).toISOString();
    const { from, service } = senders[stored.sender[i]!]!;
    return {
      sid: sidOf(i),
      accountSid,
      direction: 'outbound-api',
      from,
      to: stored.to[i]!,
      body: stored.body[i]!,
      status: from ? 'queued' : 'accepted',
      errorCode: null,
      messagingServiceSid: service,
      statusCallback: null,
      validityPeriod: null,
      numSegments: 1,
      createdAt: created,
      updatedAt: created,
      sentAt: null,
      responseLost: false,
      callbacks: [],
    };
  };
  const list = (req: IncomingMessage, res: ServerResponse) => {
    const query = Object.fromEntries(new URL(req.url!, 'http://sink.invalid').searchParams);
    const q = parseListQuery(query);
    if (typeof q === 'string') return fail(res, 400, 20001, q);
    if (q.to === undefined) return fail(res, 400, 20001, 'this sink lists messages by To only');
    const seen = byTo.get(q.to);
    const indices = seen === undefined ? [] : typeof seen === 'number' ? [seen] : seen;
    send(res, 200, listPage(indices.map(messageOf), q, accountSid, query));
  };

  const server = createServer((req, res) => {
    if (!authorized(req)) {
      req.resume();
      res.setHeader('WWW-Authenticate', 'Basic realm="Twilio API"');
      return fail(res, 401, 20003, 'Authenticate');
    }
    if (req.method === 'GET' && req.url!.split('?')[0] === messagesPath) {
      req.resume();
      return list(req, res);
    }
    if (req.method !== 'POST' || req.url !== messagesPath) {
      req.resume();
      return fail(res, 404, 20404, `The requested resource ${(req.url ?? '').split('?')[0]} was not found`);
    }
    let form = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (form += c));
    req.on('end', () => accept(req, res, form));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    accountSid,
    total: () => total,
    unknown: () => unknown,
    of: (brand) => per.get(brand)!,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
