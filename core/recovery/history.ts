/**
 * "Is this a newer account of the same customer?" judged by the customer's own dates (issue 20).
 * One bulk import gives every row the same time of entering reachloop, so that time cannot say
 * which account is newer; the source's dates can: registration (created_at), first and last
 * order, the opt-ins its files recorded. The time of entering reachloop is the fallback, only for
 * an account the source gave no date. Pure.
 */

/** What is known of an account's life. Epoch ms; null/absent = the source has no such date. */
export interface AccountDates {
  /** When the row entered reachloop (the fallback). */
  firstSeenAt: number;
  registeredAt?: number | null;
  firstOrderAt?: number | null;
  lastOrderAt?: number | null;
  /** The earliest and the latest opt-in an import recorded (its file's opt-in time). */
  firstOptInAt?: number | null;
  lastOptInAt?: number | null;
}

const sourceDates = (a: AccountDates): number[] =>
  [a.registeredAt, a.firstOrderAt, a.lastOrderAt, a.firstOptInAt, a.lastOptInAt].filter((t): t is number => typeof t === 'number' && Number.isFinite(t));

/** When the account began: its earliest date in the source, else when it entered reachloop. */
export function accountStart(a: AccountDates): { at: number; by: 'source' | 'first_seen' } {
  const dates = sourceDates(a);
  return dates.length ? { at: Math.min(...dates), by: 'source' } : { at: a.firstSeenAt, by: 'first_seen' };
}

/** The last sign of the account's life: its latest date in the source, else when it entered reachloop. */
export function accountLastSeen(a: AccountDates): { at: number; by: 'source' | 'first_seen' } {
  const dates = sourceDates(a);
  return dates.length ? { at: Math.max(...dates), by: 'source' } : { at: a.firstSeenAt, by: 'first_seen' };
}

/**
 * Whether the candidate can be the old customer's new account: its own history (registration,
 * orders, opt-ins) begins after the old account's last sign of life. A candidate with a history
 * of its own older than that (another member of the household, a second account used at the same
 * time) is another active customer. With no source dates on either side this is the order in
 * which the two entered reachloop.
 */
export function isNewerAccount(old: AccountDates, candidate: AccountDates): boolean {
  return accountStart(candidate).at > accountLastSeen(old).at;
}
