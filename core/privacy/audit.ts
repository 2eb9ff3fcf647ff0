/**
 * The access audit's rules (issue 17 item 3): what an audited action is called, what a reason
 * must look like, and how `reachloop audit --since` reads. Pure: the clock is the caller's.
 */
import { parseDurationMs } from '../duration';
import { maskPersonalText } from '../mask';

/** Every audited action: a read of a contact's personal data, an export, an erasure. */
export const AUDIT_ACTIONS = {
  'contact.show': '`reachloop contact show` printed the profile',
  'contact.read': 'GET /v1/contacts/:ref answered the profile',
  'privacy.export': 'everything held about the person, exported (CLI or API)',
  'privacy.erase': "the person's data erased (CLI or API)",
  'audience.export_hashed': 'hashed numbers and e-mails of a segment written for an ad platform',
} as const;
export type AuditAction = keyof typeof AUDIT_ACTIONS;

/** One audit row as written: no personal data in reason or detail. */
export interface AuditEntry {
  actor: string;
  action: AuditAction;
  contactId: number | null;
  reason: string;
  detail?: Record<string, string | number | boolean | null>;
}

const REASON_MIN = 4;
const REASON_MAX = 300;

/** Why a reason was refused: none given (or too short or long to say why), or it names the person. */
export type ReasonProblemCode = 'missing_reason' | 'personal_data_in_reason';

/** Where the reason came from: `--reason` of a command, or the API's `reason` (a read's query parameter, an erasure's body field). */
export type ReasonSource = 'cli' | 'api';

const EXAMPLE = 'ticket 4711: customer asked for a copy';

/**
 * Why a reason is not acceptable, or null. A reason says why the data is read ("ticket 4711:
 * customer asked for a copy", "DSR-2026-000123", "order 123456789012"), never who the person is:
 * nothing that core/mask.ts takes for an e-mail address or a phone number (the one home of those
 * patterns: a number written internationally or in groups, not a bare run of digits such as an
 * order id or a date) enters the audit, which outlives the erasure of the person. The message is
 * worded for where the reason came from.
 */
export function reasonProblem(reason: string | undefined, source: ReasonSource = 'cli'): { code: ReasonProblemCode; message: string } | null {
  const r = reason?.trim() ?? '';
  const missing = (message: string) => ({ code: 'missing_reason' as const, message });
  if (r.length === 0)
    return missing(
      source === 'cli'
        ? `a reason is required (why is this person's data read?), e.g. --reason "${EXAMPLE}"`
        : `a reason is required (why is this person's data read?): the query parameter reason of a read, the field "reason" of an erasure's body, e.g. "${EXAMPLE}"`,
    );
  if (r.length < REASON_MIN) return missing(`the reason must be at least ${REASON_MIN} characters`);
  if (r.length > REASON_MAX) return missing(`the reason must be at most ${REASON_MAX} characters`);
  const found = maskPersonalText(r).masked;
  if (found.length === 0) return null;
  const what = found.includes('email') ? 'an e-mail address' : 'a phone number';
  return { code: 'personal_data_in_reason', message: `the reason must not contain ${what}: the audit outlives the person's data; name a ticket instead (e.g. "${EXAMPLE}")` };
}

/**
 * `--since`: a date (2026-12-01, midnight UTC), an ISO time, or a duration back from now (7d, 12h).
 * Returns the time, or null when it is none of those.
 */
export function parseSince(text: string, now: Date): Date | null {
  const back = parseDurationMs(text);
  if (back !== null) return new Date(now.getTime() - back);
  if (/^\d{4}-\d{2}-\d{2}$/.test(text.trim())) {
    const d = new Date(`${text.trim()}T00:00:00Z`);
    return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== text.trim() ? null : d;
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(text.trim())) {
    const d = new Date(text.trim());
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}
