/**
 * A lean HTTP client for the `twilio` library: the `httpClient` ClientOpts field (twilio-node's
 * documented extension point, a RequestClient-compatible object with `request(opts)`), so the
 * library still builds every Messages API request (parameters, serialisation, paging, Page and
 * Instance objects, RestException / TwilioServiceException on 4xx/5xx) and only the transport
 * changes.
 *
 * The library's own RequestClient sends through axios, whose per-request machinery (config
 * merging, interceptors, header normalisation, transforms, http.ClientRequest streams) cost more
 * CPU than the rest of a campaign send together. This client sends through undici (Node's own
 * HTTP/1.1 client, the engine of its fetch) on a keep-alive connection pool per origin. What it
 * hands back is what the library expects of RequestClient.request: `{ statusCode, body, headers }`,
 * the body as text (the library parses JSON itself, also for errors).
 *
 * Failures keep the shape callers classify (channels/twilio.ts): a connection that could not be
 * opened rejects with the socket error and its code (ECONNREFUSED, ENOTFOUND... : nothing was
 * sent); a connection that failed or closed after the request was written rejects with
 * ECONNRESET, and a timeout with ETIMEDOUT (the provider may have accepted the message).
 *
 * Not supported: proxies (createTwilioSender uses the library's RequestClient when HTTP_PROXY or
 * HTTPS_PROXY is set), redirects (the Twilio API answers none; a 3xx is returned as is, as the
 * library's client does with allowRedirects off), 429 auto-retry (not enabled by this project),
 * request validation (PKCV).
 */
import { Agent, errors, request as undiciRequest } from 'undici';

export interface LeanRequestClientOptions {
  /** Default per-request timeout (ms). */
  timeout?: number;
  /** Base URL replacing scheme, host and port of every request (keeping its path prefix). */
  apiBase?: string;
  /** Open connections per origin at most; further requests wait for one. */
  maxSockets?: number;
  /** Idle keep-alive connections are closed after this long (ms), before servers drop them. */
  idleTimeoutMs?: number;
  /** Extra CA certificates for https (TWILIO_CA_BUNDLE). */
  ca?: string | Buffer;
}

/** The request options twilio-node passes to httpClient.request (RequestClient.RequestOptions). */
export interface TwilioHttpRequest {
  method: string;
  uri: string;
  username?: string;
  password?: string;
  authStrategy?: { getAuthString(): Promise<string> };
  headers?: Record<string, string>;
  params?: Record<string, unknown>;
  data?: Record<string, unknown>;
  timeout?: number;
  allowRedirects?: boolean;
  logLevel?: string;
}

export interface TwilioHttpResponse {
  statusCode: number;
  body: string;
  headers: Record<string, string>;
}

/** A network failure with a code, as Node's own errors carry. */
export class HttpClientError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpClientError';
  }
}

/**
 * application/x-www-form-urlencoded as twilio-node's RequestClient sends it (qs with
 * arrayFormat "repeat"): flat keys, an array repeats its key, null/undefined dropped, %20 for
 * spaces. Values are strings, numbers or booleans after the library's serialisation.
 */
export function formEncode(data: Record<string, unknown>): string {
  let out = '';
  for (const key of Object.keys(data)) {
    const v = data[key];
    if (v === undefined || v === null) continue;
    const k = encodeURIComponent(key);
    if (Array.isArray(v)) {
      for (const item of v) if (item !== undefined && item !== null) out += `${out ? '&' : ''}${k}=${encodeURIComponent(scalar(item))}`;
    } else out += `${out ? '&' : ''}${k}=${encodeURIComponent(scalar(v))}`;
  }
  return out;
}

const scalar = (v: unknown) => (v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v));

export class LeanRequestClient {
  readonly defaultTimeout: number;
  private readonly base: URL | null;
  private readonly agent: Agent;
  private lastCredentials = '';
  private lastAuthorization = '';

  constructor(options: LeanRequestClientOptions = {}) {
    this.defaultTimeout = options.timeout ?? 30_000;
    this.base = options.apiBase ? new URL(options.apiBase) : null;
    this.agent = new Agent({
      connections: options.maxSockets ?? 64,
      keepAliveTimeout: options.idleTimeoutMs ?? 4_000,
      ...(options.ca ? { connect: { ca: options.ca } } : {}),
    });
  }

  async request(opts: TwilioHttpRequest): Promise<TwilioHttpResponse> {
    if (!opts.method) throw new Error('http method is required');
    if (!opts.uri) throw new Error('uri is required');
    let url = opts.uri;
    if (this.base) {
      const u = new URL(opts.uri);
      url = `${this.base.origin}${this.base.pathname.replace(/\/+$/, '')}${u.pathname}${u.search}`;
    }
    if (opts.params) {
      const q = formEncode(opts.params);
      if (q) url += url.includes('?') ? `&${q}` : `?${q}`;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) {
      const lower = k.toLowerCase();
      if (lower !== 'host' && lower !== 'content-length' && lower !== 'connection' && lower !== 'transfer-encoding') headers[lower] = v;
    }
    if (opts.username && opts.password) {
      const credentials = `${opts.username}:${opts.password}`;
      if (credentials !== this.lastCredentials) {
        this.lastCredentials = credentials;
        this.lastAuthorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
      }
      headers.authorization = this.lastAuthorization;
    } else if (opts.authStrategy) headers.authorization = await opts.authStrategy.getAuthString();
    let body: string | undefined;
    if (opts.data) {
      const type = headers['content-type'];
      if (type === 'application/x-www-form-urlencoded') body = formEncode(opts.data);
      else if (type === 'application/json') body = JSON.stringify(opts.data);
    }
    const method = opts.method.toUpperCase() as 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
    if (body === undefined && (method === 'POST' || method === 'PUT')) body = '';
    const timeout = opts.timeout || this.defaultTimeout;
    try {
      const res = await undiciRequest(url, { method, headers, ...(body !== undefined ? { body } : {}), dispatcher: this.agent, headersTimeout: timeout, bodyTimeout: timeout });
      const text = await res.body.text();
      const flat: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
      return { statusCode: res.statusCode, body: text, headers: flat };
    } catch (err) {
      throw asHttpClientError(err);
    }
  }

  /** Closes the pool's connections (in-flight requests finish). */
  close(): void {
    void this.agent.close();
  }
}

/** undici's errors as the codes the channel classifies: never sent, maybe accepted, timed out. */
function asHttpClientError(err: unknown): Error {
  const e = err as Error & { code?: string; cause?: { code?: string } };
  const sysCode = e.code && !e.code.startsWith('UND_ERR') ? e.code : e.cause?.code && !String(e.cause.code).startsWith('UND_ERR') ? e.cause.code : undefined;
  if (err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError) return new HttpClientError(`no answer in time: ${e.message}`, 'ETIMEDOUT', { cause: err });
  if (err instanceof errors.ConnectTimeoutError) return new HttpClientError(`could not connect in time: ${e.message}`, 'ECONNREFUSED', { cause: err });
  if (sysCode && sysCode !== 'ECONNRESET' && sysCode !== 'EPIPE') return new HttpClientError(e.message, sysCode, { cause: err });
  if (err instanceof errors.SocketError || sysCode) return new HttpClientError(`connection lost: ${e.message}`, 'ECONNRESET', { cause: err });
  return err instanceof Error ? err : new Error(String(err));
}
