/**
 * Device farms: accounts registered in bulk from one device or one number range (seed 000,
 * "short-period repeat registrations"; seed 002, a device fingerprint only links one person's
 * accounts when few accounts share it). The thresholds are the contact policy's `deviceFarms`.
 * Such accounts are quarantined whatever their risk points (core/evaluate.ts), so they are never
 * marketed, and changed-number recovery never asks or merges them (core/recovery/match.ts).
 *
 * Pure: no I/O, no clock.
 */
import { CONTACT_POLICY, type DeviceFarmPolicy } from './policy/contact-policy';

export interface FarmSignals {
  /** Accounts opted in on the contact's device in the same day (the intake's count, itself included). */
  sameDeviceRegistrations: number;
  /** Numbers of the contact's block of 1,000 opted in the same day (the intake's count, itself included). */
  sameRangeRegistrations: number;
  /** Contacts that share a device fingerprint with this one, itself included (recovery reads it; absent at import). */
  accountsOnDevice?: number;
}

export type FarmRule = 'deviceFarms.sameDeviceRegistrations' | 'deviceFarms.sameRangeRegistrations' | 'deviceFarms.accountsOnDevice';

export interface FarmVerdict {
  farm: boolean;
  /** The policy rules that decided, as their path in the contact policy (empty when not a farm). */
  rules: FarmRule[];
  /** One line per rule that decided, for reasons and audit. */
  reasons: string[];
}

export const NOT_A_FARM: FarmVerdict = Object.freeze({ farm: false, rules: [], reasons: [] }) as FarmVerdict;

/** Whether a contact is a device-farm account, and by which rules. */
export function deviceFarmOf(s: FarmSignals, policy: DeviceFarmPolicy = CONTACT_POLICY.deviceFarms): FarmVerdict {
  const device = policy.sameDeviceRegistrations;
  const range = policy.sameRangeRegistrations;
  const shared = policy.accountsOnDevice;
  // Fast path: most contacts have no registration counts at all (intake calls this per contact).
  if (s.sameDeviceRegistrations < device.atLeast && s.sameRangeRegistrations < range.atLeast && (s.accountsOnDevice ?? 0) < shared.atLeast) return NOT_A_FARM;
  const rules: FarmRule[] = [];
  const reasons: string[] = [];
  if (s.sameDeviceRegistrations >= device.atLeast) {
    rules.push('deviceFarms.sameDeviceRegistrations');
    reasons.push(`device farm: ${s.sameDeviceRegistrations} registrations from one device within ${device.withinHours} h >= ${device.atLeast}`);
  }
  if (s.sameRangeRegistrations >= range.atLeast) {
    rules.push('deviceFarms.sameRangeRegistrations');
    reasons.push(`device farm: ${s.sameRangeRegistrations} registrations from one number range within ${range.withinHours} h >= ${range.atLeast}`);
  }
  if ((s.accountsOnDevice ?? 0) >= shared.atLeast) {
    rules.push('deviceFarms.accountsOnDevice');
    reasons.push(`device farm: ${s.accountsOnDevice} accounts share a device >= ${shared.atLeast}`);
  }
  return { farm: true, rules, reasons };
}
