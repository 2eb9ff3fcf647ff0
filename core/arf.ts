/**
 * Abuse Reporting Format (RFC 5965): a `multipart/report; report-type=feedback-report` message
 * whose second part is `message/feedback-report` (Feedback-Type, User-Agent, Version,
 * Original-Rcpt-To, Arrival-Date...) and whose third part is the reported message
 * (`message/rfc822`) or its headers (`text/rfc822-headers`). Pure: text in, fields out.
 *
 * Only what tracing the report back to our send needs is read: the feedback fields and the
 * original message's Message-ID, To and Date. Parts may be base64 or quoted-printable.
 */

export interface ArfReport {
  /** Lower case: abuse, fraud, virus, other, not-spam, auth-failure (RFC 5965 3.1, RFC 6591). */
  feedbackType: string;
  userAgent: string | null;
  version: string | null;
  /** Often redacted by the mailbox provider. */
  originalRcptTo: string | null;
  arrivalDate: string | null;
  sourceIp: string | null;
  reportedDomain: string | null;
  /** The reported message's headers, when the report includes them. */
  original: { messageId: string | null; to: string | null; from: string | null; subject: string | null; date: string | null } | null;
}

export type ArfResult = { ok: true; report: ArfReport } | { ok: false; reason: string };

type Headers = Map<string, string[]>;

/** Splits at the first empty line; a text without one is all headers. */
function splitEntity(text: string): { head: string; body: string } {
  const m = /\r?\n\r?\n/.exec(text);
  return m ? { head: text.slice(0, m.index), body: text.slice(m.index + m[0].length) } : { head: text, body: '' };
}

function parseHeaders(head: string): Headers {
  const out: Headers = new Map();
  let current: string | null = null;
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && current !== null) {
      const list = out.get(current)!;
      list[list.length - 1] += ` ${line.trim()}`;
      continue;
    }
    const m = /^([!-9;-~]+):[ \t]*(.*)$/.exec(line);
    if (!m) {
      current = null;
      continue;
    }
    current = m[1]!.toLowerCase();
    const list = out.get(current) ?? [];
    list.push(m[2]!.trim());
    out.set(current, list);
  }
  return out;
}

const header = (h: Headers, name: string): string | null => {
  const v = h.get(name)?.[0];
  return v === undefined || v === '' ? null : v;
};

function mediaType(h: Headers): { type: string; params: Map<string, string> } {
  const raw = header(h, 'content-type') ?? 'text/plain';
  const [type, ...rest] = raw.split(';');
  const params = new Map<string, string>();
  for (const p of rest) {
    const m = /^\s*([^=\s]+)\s*=\s*(?:"([^"]*)"|([^\s;]*))/.exec(p);
    if (m) params.set(m[1]!.toLowerCase(), m[2] ?? m[3] ?? '');
  }
  return { type: type!.trim().toLowerCase(), params };
}

function decodeBody(h: Headers, body: string): string {
  const cte = (header(h, 'content-transfer-encoding') ?? '').toLowerCase();
  if (cte === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (cte === 'quoted-printable') {
    const bytes = Buffer.from(body.replace(/=\r?\n/g, ''), 'latin1');
    const out: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const hex = bytes.subarray(i + 1, i + 3).toString('latin1');
      if (bytes[i] === 0x3d && /^[0-9A-Fa-f]{2}$/.test(hex)) {
        out.push(parseInt(hex, 16));
        i += 2;
      } else out.push(bytes[i]!);
    }
    return Buffer.from(out).toString('utf8');
  }
  return body;
}

interface Part {
  headers: Headers;
  body: string;
}

function multipartParts(body: string, boundary: string): Part[] {
  const delimiter = `--${boundary}`;
  const parts: Part[] = [];
  const lines = body.split(/\r?\n/);
  let current: string[] | null = null;
  for (const line of lines) {
    const trimmed = line.trimEnd();
    if (trimmed === delimiter || trimmed === `${delimiter}--`) {
      if (current) {
        const { head, body: partBody } = splitEntity(current.join('\n'));
        const headers = parseHeaders(head);
        parts.push({ headers, body: decodeBody(headers, partBody) });
      }
      if (trimmed.endsWith('--') && trimmed !== delimiter) break;
      current = [];
      continue;
    }
    current?.push(line);
  }
  return parts;
}

/** The address inside `Name <a@b>` or `<a@b>` or `rfc822; a@b` (RFC 5965 Original-Rcpt-To). */
export function addressOf(value: string | null): string | null {
  if (!value) return null;
  const angle = /<([^<>\s]+@[^<>\s]+)>/.exec(value);
  if (angle) return angle[1]!;
  const bare = /([^\s<>;:,]+@[^\s<>;:,]+)/.exec(value);
  return bare ? bare[1]! : null;
}

/** Parses an ARF report. Anything that is not one answers why, so the caller can say 400. */
export function parseArf(raw: string): ArfResult {
  if (raw.trim().length === 0) return { ok: false, reason: 'empty body' };
  const top = splitEntity(raw.replace(/^\s+/, ''));
  const headers = parseHeaders(top.head);
  const { type, params } = mediaType(headers);
  if (type !== 'multipart/report') return { ok: false, reason: `expected a multipart/report message (RFC 5965), got Content-Type ${type}` };
  if ((params.get('report-type') ?? '').toLowerCase() !== 'feedback-report') return { ok: false, reason: 'multipart/report without report-type=feedback-report' };
  const boundary = params.get('boundary');
  if (!boundary) return { ok: false, reason: 'multipart/report without a boundary' };
  const parts = multipartParts(top.body, boundary);
  const feedback = parts.find((p) => mediaType(p.headers).type === 'message/feedback-report');
  if (!feedback) return { ok: false, reason: 'no message/feedback-report part' };
  const fields = parseHeaders(splitEntity(feedback.body.replace(/^\s+/, '')).head);
  const feedbackType = header(fields, 'feedback-type');
  if (!feedbackType) return { ok: false, reason: 'the feedback report has no Feedback-Type field' };
  const originalPart = parts.find((p) => ['message/rfc822', 'text/rfc822-headers'].includes(mediaType(p.headers).type));
  const oh = originalPart ? parseHeaders(splitEntity(originalPart.body.replace(/^\s+/, '')).head) : null;
  return {
    ok: true,
    report: {
      feedbackType: feedbackType.toLowerCase(),
      userAgent: header(fields, 'user-agent'),
      version: header(fields, 'version'),
      originalRcptTo: addressOf(header(fields, 'original-rcpt-to')),
      arrivalDate: header(fields, 'arrival-date') ?? header(fields, 'received-date'),
      sourceIp: header(fields, 'source-ip'),
      reportedDomain: header(fields, 'reported-domain'),
      original: oh
        ? { messageId: header(oh, 'message-id'), to: addressOf(header(oh, 'to')), from: header(oh, 'from'), subject: header(oh, 'subject'), date: header(oh, 'date') }
        : null,
    },
  };
}
