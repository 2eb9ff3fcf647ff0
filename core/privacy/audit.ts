/**
 * The access audit's rules (issue 17 item 3): what an audited action is called, what a reason
 * must look like, and how `reachloop audit --since` reads. Pure: the clock is the caller's.
 */
import { parseDurationMs } from '../duration';

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

/**
 * Why a reason is not acceptable, or null. A reason says why the data is read ("ticket 4711:
 * customer asked for a copy"), never who the person is: no e-mail address and no run of seven or
 * more digits (a phone number) enter the audit, which outlives the erasure of the person.
 */
export function reasonProblem(reason: string | undefined): string | null {
  const r = reason?.trim() ?? '';
  if (r.length === 0) return 'a reason is required (why is this person\'s data read?), e.g. --reason "ticket 4711: customer asked for a copy"';
  if (r.length < REASON_MIN) return `the reason must be at least ${REASON_MIN} characters`;
  if (r.length > REASON_MAX) return `the reason must be at most ${REASON_MAX} characters`;
  if (/[^\s@]+@[^\s@]+\.[^\s@]+/.test(r)) return 'the reason must not contain an e-mail address: the audit outlives the person\'s data; name a ticket instead';
  if (/\d[\d\s().-]{5,}\d/.test(r) && (r.match(/\d/g) ?? []).length >= 7) return 'the reason must not contain a phone number: the audit outlives the person\'s data; name a ticket instead';
  return null;
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
