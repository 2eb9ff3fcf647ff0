import { describe, expect, it } from 'vitest';
import { decodeStagedRow, deviceKeyOf, encodeStagedRow, MAX_PARTITIONS, partKeyOf, partRange, rangeKeyOf } from '../../core/intake/staged';
import type { IntakeRow } from '../../core/intake/row';
import { intakeRow } from '../helpers/drafts';

const row: IntakeRow = intakeRow({
  extension: '12', email: 'li@example.com', name: 'Li\t"Wei"\\', lastOrderAt: '2026-10-01T00:00:00.000Z',
  orderValue: 250.5, channelTag: 'wechat', optInAt: '2026-01-05T10:00:00.000Z', deviceId: 'dev-1', consentSource: 'web_form',
  externalId: 'C-1', registeredAt: '2024-01-05T00:00:00.000Z', firstOrderAt: '2024-02-01T00:00:00.000Z', orderCount: 7, orderCurrency: 'CNY', shippingAddress: '1 Main St',
});

describe('staged intake rows', () => {
  it('round-trip through their compact text', () => {
    expect(decodeStagedRow(encodeStagedRow(row))).toEqual(row);
    const bare = intakeRow({ timeZones: [] });
    expect(decodeStagedRow(encodeStagedRow(bare))).toEqual(bare);
    // The CRM fields absent: left out of the text, read back as null.
    expect(JSON.parse(encodeStagedRow(bare))).toHaveLength(16);
    expect(JSON.parse(encodeStagedRow(row))).toHaveLength(22);
  });

  it('key registrations by range (number less its last three digits) or device, and UTC day', () => {
    expect(rangeKeyOf(row)).toBe('+8613800138|2026-01-05');
    expect(rangeKeyOf({ ...row, optInAt: null })).toBeNull();
    expect(deviceKeyOf(row)).toBe('dev-1|2026-01-05');
    expect(deviceKeyOf({ ...row, optInAt: null })).toBe('dev-1|');
    expect(deviceKeyOf({ ...row, deviceId: null })).toBeNull();
  });

  it('split the part keys of the hash into disjoint ranges that cover them all', () => {
    expect(partKeyOf('0000ab')).toBe(0);
    expect(partKeyOf('ffff00')).toBe(MAX_PARTITIONS - 1);
    for (const n of [1, 3, 88, 4096, MAX_PARTITIONS]) {
      let next = 0;
      for (let p = 0; p < n; p++) {
        const [lo, hi] = partRange(p, n);
        expect(lo).toBe(next);
        expect(hi).toBeGreaterThan(lo);
        next = hi;
      }
      expect(next).toBe(MAX_PARTITIONS);
    }
    expect(() => partRange(0, 0)).toThrow(RangeError);
    expect(() => partRange(0, MAX_PARTITIONS + 1)).toThrow(RangeError);
  });
});
