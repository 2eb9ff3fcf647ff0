import type { PhoneType } from '../phone';
import type { IntakeRow } from './row';

/**
 * A validated row as the upload stages it for the merge: one compact text (a JSON array, cheap
 * to write with COPY and to read back) instead of a column per field, plus the keys of the
 * registration statistics, computed once here.
 */
export function encodeStagedRow(r: IntakeRow): string {
  const a = [
    r.e164, r.extension, r.lineType, r.country, r.region, r.currency, r.language, r.timeZones,
    r.email, r.name, r.lastOrderAt, r.orderValue, r.channelTag, r.optInAt, r.deviceId, r.consentSource,
    r.externalId, r.registeredAt, r.firstOrderAt, r.orderCount, r.orderCurrency, r.shippingAddress,
  ];
  // The CRM fields are often absent: trailing nulls are left out (decoded as null).
  while (a.length > 16 && a[a.length - 1] === null) a.pop();
  return JSON.stringify(a);
}

export function decodeStagedRow(data: string): IntakeRow {
  const a = JSON.parse(data) as unknown[];
  return {
    e164: a[0] as string,
    extension: a[1] as string | null,
    lineType: a[2] as PhoneType,
    country: a[3] as string | null,
    region: a[4] as string | null,
    currency: a[5] as string | null,
    language: a[6] as string | null,
    timeZones: a[7] as string[],
    email: a[8] as string | null,
    name: a[9] as string | null,
    lastOrderAt: a[10] as string | null,
    orderValue: a[11] as number | null,
    channelTag: a[12] as string | null,
    optInAt: a[13] as string | null,
    deviceId: a[14] as string | null,
    consentSource: (a[15] ?? null) as string | null,
    externalId: (a[16] ?? null) as string | null,
    registeredAt: (a[17] ?? null) as string | null,
    firstOrderAt: (a[18] ?? null) as string | null,
    orderCount: (a[19] ?? null) as number | null,
    orderCurrency: (a[20] ?? null) as string | null,
    shippingAddress: (a[21] ?? null) as string | null,
  };
}

/** The UTC day of an ISO instant (intake dates are UTC ISO strings). */
const dayOf = (iso: string) => iso.slice(0, 10);

/**
 * "Registrations from one range in one day": the number without its last three digits and the
 * opt-in day; null when the row has no opt-in time (it counts for nothing).
 */
export const rangeKeyOf = (r: IntakeRow): string | null => (r.optInAt ? `${r.e164.slice(0, -3)}|${dayOf(r.optInAt)}` : null);

/** "Registrations from one device in one day": device id and opt-in day; null without a device. */
export const deviceKeyOf = (r: IntakeRow): string | null => (r.deviceId ? `${r.deviceId}|${r.optInAt ? dayOf(r.optInAt) : ''}` : null);

/** Hash ranges split the 4-hex-digit prefix space of the phone hash: at most this many. */
export const MAX_PARTITIONS = 65_536;

/** The merge partition key of a phone hash: its first four hex digits, 0..65535. */
export const partKeyOf = (phoneHash: string) => parseInt(phoneHash.slice(0, 4), 16);

/** Partition p of P: the part keys [lo, hi) it merges. Disjoint, covering 0..65535. */
export function partRange(p: number, partitions: number): [number, number] {
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) throw new RangeError(`partitions must be 1..${MAX_PARTITIONS}`);
  const bound = (i: number) => Math.floor((i * MAX_PARTITIONS) / partitions);
  return [bound(p), bound(p + 1)];
}
