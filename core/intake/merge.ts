import type { PhoneType } from '../phone';
import type { IntakeRow } from './row';

export interface Consent {
  channel: 'sms' | 'email';
  purpose: string;
  source: string;
  grantedAt: string;
  doubleOptIn: boolean;
  proof: Record<string, unknown>;
}

/** The mergeable part of a contact: what intake writes. */
export interface ContactDraft {
  e164: string;
  extension: string | null;
  lineType: PhoneType;
  country: string | null;
  region: string | null;
  currency: string | null;
  language: string | null;
  timeZones: string[];
  name: string | null;
  emails: string[];
  channelTags: string[];
  /** The survivor's channel tag, among channelTags: the one the merged record keeps as its own. */
  channelTag: string | null;
  sources: string[];
  deviceIds: string[];
  lastOrderAt: string | null;
  orderValue: number | null;
  /** ISO 4217 code of orderValue. */
  orderCurrency: string | null;
  /** The source's own dates and counts (a score reads them; recovery judges "newer" by them). */
  registeredAt: string | null;
  firstOrderAt: string | null;
  /** Orders the source counts (the events' own count is contacts.order_count). */
  orderCount: number | null;
  /** The latest shipping address (every one is also kept, hashed, for recovery's address route). */
  shippingAddress: string | null;
  consents: Consent[];
}

export interface IncomingRow {
  row: IntakeRow;
  /** Where the row came from, kept as consent proof: import id, line, file hash. */
  proof: Record<string, unknown>;
}

export interface MergeContext {
  source: string;
  consentPurpose: string;
  /** Whether a consent source is never marketing consent (a bought or rented list: contact policy consent.sources). */
  isNeverConsent?: (source: string) => boolean;
}

const union = (a: readonly string[], b: readonly (string | null)[]) => {
  // The common case (a new number, one row) without a set and a sort.
  if (a.length === 0 && b.length === 1) return b[0] ? [b[0]] : [];
  const out = new Set(a);
  for (const x of b) if (x) out.add(x);
  return [...out].sort();
};

const later = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a >= b ? a : b);
const earlier = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a <= b ? a : b);
const larger = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/**
 * Merges rows for one E.164 number into the existing contact (or a new one). Order of rows does
 * not matter for the result: the latest transaction time wins (with its order value and
 * currency), tags, sources, e-mails and devices are unions, consents are a union per (channel,
 * purpose) keeping the earliest grant and its proof (a consent that can count before one from a
 * bought or rented list, whatever their times), registration and first order keep the
 * earliest date, the order count the largest. The survivor (the existing contact, else the row
 * of the latest transaction) keeps its channel tag as the primary one. Merging the same rows
 * twice changes nothing (idempotent).
 */
export function mergeContact(existing: ContactDraft | null, incoming: readonly IncomingRow[], ctx: MergeContext): ContactDraft {
  if (!existing && incoming.length === 0) throw new Error('mergeContact needs an existing contact or at least one row');
  // A new contact takes its number from a row that has one (a row matched by customer id has none).
  const first = incoming.find((r) => r.row.e164)?.row;
  if (!existing && !first) throw new Error('mergeContact needs a row with a phone number for a new contact');
  const base: ContactDraft = existing ?? {
    e164: first!.e164,
    extension: null,
    lineType: first!.lineType,
    country: first!.country,
    region: first!.region,
    currency: first!.currency,
    language: first!.language,
    timeZones: first!.timeZones,
    name: null,
    emails: [],
    channelTags: [],
    channelTag: null,
    sources: [],
    deviceIds: [],
    lastOrderAt: null,
    orderValue: null,
    orderCurrency: null,
    registeredAt: null,
    firstOrderAt: null,
    orderCount: null,
    shippingAddress: null,
    consents: [],
  };
  // Rows sorted so that ties resolve the same way whatever their order in the file.
  const rows = [...incoming].sort((a, b) => compareRows(a.row, b.row));
  let { lastOrderAt, orderValue, orderCurrency, name, extension, registeredAt, firstOrderAt, orderCount, shippingAddress } = base;
  for (const { row } of rows) {
    if (row.lastOrderAt && (lastOrderAt === null || row.lastOrderAt > lastOrderAt)) {
      lastOrderAt = row.lastOrderAt;
      if (row.orderValue !== null) [orderValue, orderCurrency] = [row.orderValue, row.orderCurrency];
    } else if (orderValue === null && row.orderValue !== null) [orderValue, orderCurrency] = [row.orderValue, row.orderCurrency];
    if (row.name) name = row.name;
    if (row.extension) extension = row.extension;
    if (row.shippingAddress) shippingAddress = row.shippingAddress;
    registeredAt = earlier(registeredAt, row.registeredAt);
    firstOrderAt = earlier(firstOrderAt, row.firstOrderAt);
    orderCount = larger(orderCount, row.orderCount);
  }
  const channelTag = base.channelTag ?? survivorTag(rows);
  const consents = new Map(base.consents.map((c) => [`${c.channel}/${c.purpose}`, c]));
  for (const { row, proof } of rows) {
    if (!row.optInAt) continue;
    const channels: Consent['channel'][] = row.email ? ['sms', 'email'] : ['sms'];
    for (const channel of channels) {
      const key = `${channel}/${ctx.consentPurpose}`;
      const held = consents.get(key);
      const source = row.consentSource ?? ctx.source;
      if (!held || outranks({ source, grantedAt: row.optInAt }, held, ctx.isNeverConsent))
        consents.set(key, { channel, purpose: ctx.consentPurpose, source, grantedAt: row.optInAt, doubleOptIn: false, proof });
    }
  }
  return {
    ...base,
    extension,
    name,
    lastOrderAt: later(base.lastOrderAt, lastOrderAt),
    orderValue,
    orderCurrency: orderValue === null ? (orderCurrency ?? rows.find((r) => r.row.orderCurrency)?.row.orderCurrency ?? null) : orderCurrency,
    registeredAt,
    firstOrderAt,
    orderCount,
    shippingAddress,
    channelTag,
    emails: union(base.emails, rows.map((r) => r.row.email)),
    channelTags: union(base.channelTags, rows.map((r) => r.row.channelTag)),
    sources: union(base.sources, rows.length ? [ctx.source] : []),
    deviceIds: union(base.deviceIds, rows.map((r) => r.row.deviceId)),
    consents: [...consents.values()].sort((a, b) => (a.channel + a.purpose).localeCompare(b.channel + b.purpose)),
  };
}

/**
 * Which of two consents for one channel and purpose is kept: one that can count over one from a
 * source that never does (a bought list's opt-in never hides the customer's own), else the
 * earlier grant.
 */
function outranks(a: Pick<Consent, 'source' | 'grantedAt'>, held: Pick<Consent, 'source' | 'grantedAt'>, isNever?: (source: string) => boolean): boolean {
  const [na, nh] = isNever ? [isNever(a.source), isNever(held.source)] : [false, false];
  return na !== nh ? nh : a.grantedAt < held.grantedAt;
}

/** When a row's customer was last active: its last order, then its opt-in ('0' before any date). */
const recencyKey = (r: IntakeRow) => `${r.lastOrderAt ?? '0'}|${r.optInAt ?? '0'}`;

/** The channel tag of the survivor among rows: the most recent row that has a tag (ties: the later in merge order). */
function survivorTag(rows: readonly IncomingRow[]): string | null {
  let best: IntakeRow | null = null;
  for (const { row } of rows) if (row.channelTag && (best === null || recencyKey(row) >= recencyKey(best))) best = row;
  return best?.channelTag ?? null;
}

function compareRows(a: IntakeRow, b: IntakeRow): number {
  const ka = `${a.lastOrderAt ?? ''}|${a.optInAt ?? ''}|${a.orderValue ?? ''}|${a.name ?? ''}|${a.email ?? ''}|${a.channelTag ?? ''}|${a.shippingAddress ?? ''}`;
  const kb = `${b.lastOrderAt ?? ''}|${b.optInAt ?? ''}|${b.orderValue ?? ''}|${b.name ?? ''}|${b.email ?? ''}|${b.channelTag ?? ''}|${b.shippingAddress ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
