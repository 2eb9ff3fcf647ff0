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
  sources: string[];
  deviceIds: string[];
  lastOrderAt: string | null;
  orderValue: number | null;
  /**
   * What a customer file may say of the orders besides the last one's time and value (issue 20:
   * the source's order count, first order, the currency of order_value; contacts
   * source_order_count, first_order_at, order_currency): read by the score when present
   * (core/score-inputs.ts), absent until the import maps them.
   */
  orderCount?: number | null;
  firstOrderAt?: string | null;
  orderCurrency?: string | null;
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
}

const union = (a: readonly string[], b: readonly (string | null)[]) => {
  // The common case (a new number, one row) without a set and a sort.
  if (a.length === 0 && b.length === 1) return b[0] ? [b[0]] : [];
  const out = new Set(a);
  for (const x of b) if (x) out.add(x);
  return [...out].sort();
};

const later = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a >= b ? a : b);

/**
 * Merges rows for one E.164 number into the existing contact (or a new one). Order of rows does
 * not matter for the result: the latest transaction time wins (with its order value), tags,
 * sources, e-mails and devices are unions, consents are a union per (channel, purpose) keeping
 * the earliest grant and its proof. Merging the same rows twice changes nothing (idempotent).
 */
export function mergeContact(existing: ContactDraft | null, incoming: readonly IncomingRow[], ctx: MergeContext): ContactDraft {
  if (!existing && incoming.length === 0) throw new Error('mergeContact needs an existing contact or at least one row');
  const first = incoming[0]?.row;
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
    sources: [],
    deviceIds: [],
    lastOrderAt: null,
    orderValue: null,
    consents: [],
  };
  // Rows sorted so that ties resolve the same way whatever their order in the file.
  const rows = [...incoming].sort((a, b) => compareRows(a.row, b.row));
  let { lastOrderAt, orderValue, name, extension } = base;
  for (const { row } of rows) {
    if (row.lastOrderAt && (lastOrderAt === null || row.lastOrderAt > lastOrderAt)) {
      lastOrderAt = row.lastOrderAt;
      if (row.orderValue !== null) orderValue = row.orderValue;
    } else if (orderValue === null && row.orderValue !== null) orderValue = row.orderValue;
    if (row.name) name = row.name;
    if (row.extension) extension = row.extension;
  }
  const consents = new Map(base.consents.map((c) => [`${c.channel}/${c.purpose}`, c]));
  for (const { row, proof } of rows) {
    if (!row.optInAt) continue;
    const channels: Consent['channel'][] = row.email ? ['sms', 'email'] : ['sms'];
    for (const channel of channels) {
      const key = `${channel}/${ctx.consentPurpose}`;
      const held = consents.get(key);
      if (!held || row.optInAt < held.grantedAt)
        consents.set(key, { channel, purpose: ctx.consentPurpose, source: row.consentSource ?? ctx.source, grantedAt: row.optInAt, doubleOptIn: false, proof });
    }
  }
  return {
    ...base,
    extension,
    name,
    lastOrderAt: later(base.lastOrderAt, lastOrderAt),
    orderValue,
    emails: union(base.emails, rows.map((r) => r.row.email)),
    channelTags: union(base.channelTags, rows.map((r) => r.row.channelTag)),
    sources: union(base.sources, rows.length ? [ctx.source] : []),
    deviceIds: union(base.deviceIds, rows.map((r) => r.row.deviceId)),
    consents: [...consents.values()].sort((a, b) => (a.channel + a.purpose).localeCompare(b.channel + b.purpose)),
  };
}

function compareRows(a: IntakeRow, b: IntakeRow): number {
  const ka = `${a.lastOrderAt ?? ''}|${a.optInAt ?? ''}|${a.orderValue ?? ''}|${a.name ?? ''}|${a.email ?? ''}`;
  const kb = `${b.lastOrderAt ?? ''}|${b.optInAt ?? ''}|${b.orderValue ?? ''}|${b.name ?? ''}|${b.email ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
