import { describe, expect, it } from 'vitest';
import type { MessageStatus } from '../../core/delivery-outcome';
import type { LedgerStatusRow } from '../../db/feedback';
import { planCallbacks, type Locked, type StatusCallback } from '../../services/status-plan';

// What a batch of statuses does to the rows it locked: the ledger row by its provider id, the
// named row reconciled, a second message of a row adopted, anything else kept as an orphan; never
// backwards.

const AT = new Date('2026-11-25T15:00:00Z');
const row = (id: string, providerId: string | null, providerStatus: MessageStatus | null = 'sent', state = 'sent'): LedgerStatusRow => ({
  id,
  contactId: Number(id) * 10,
  channel: 'sms',
  state,
  providerId,
  providerStatus,
  errorCode: null,
  feedbackAt: null,
});
const cb = (messageSid: string, status: MessageStatus, ledgerId: string | null = null, errorCode: number | null = null): StatusCallback => ({ replayKey: `${messageSid}:${status}`, messageSid, status, errorCode, ledgerId });
const plan = (callbacks: StatusCallback[], locked: Partial<Locked>) =>
  planCallbacks(callbacks, callbacks.map((_, i) => i), { ledger: [], adopted: [], orphans: [], ...locked }, AT);
const results = (p: ReturnType<typeof plan>) => p.receipts.map((r) => r.result);

describe('planCallbacks', () => {
  it('applies a status to the row with that provider id, the final one fed back once', () => {
    const p = plan([cb('SMa', 'delivered'), cb('SMa', 'delivered', '1')], { ledger: [row('1', 'SMa')] });
    expect(results(p)).toEqual(['applied', 'stale']);
    expect(p.dirty).toMatchObject([{ id: '1', state: 'delivered', providerStatus: 'delivered' }]);
    expect(p.outcomes).toHaveLength(1);
    expect(p.adopted).toEqual([]);
  });

  it('reconciles the named row that has no provider id yet', () => {
    const p = plan([cb('SMa', 'sent', '1')], { ledger: [row('1', null, null, 'unknown')] });
    expect(results(p)).toEqual(['applied']);
    expect(p.dirty).toMatchObject([{ id: '1', providerId: 'SMa', state: 'sent' }]);
  });

  it('adopts a message naming a row that went out under another id: its status, not the row, moves', () => {
    const p = plan([cb('SMb', 'queued', '1'), cb('SMb', 'undelivered', '1', 30003), cb('SMb', 'sent', '1')], { ledger: [row('1', 'SMa', 'delivered', 'delivered')] });
    expect(results(p)).toEqual(['duplicate', 'duplicate', 'stale']);
    expect(p.dirty).toEqual([]);
    expect(p.outcomes).toEqual([]);
    expect(p.adopted).toEqual([{ providerId: 'SMb', ledgerId: '1', status: 'undelivered', errorCode: '30003' }]);
    expect(p.adoptedNow).toEqual([{ message: p.adopted[0], mainProviderId: 'SMa', contactId: 10 }]);
    expect(p.receipts.map((r) => r.ledgerId)).toEqual(['1', '1', '1']);
  });

  it('keeps an adopted message up to date by its id alone, never backwards', () => {
    const adopted = [{ providerId: 'SMb', ledgerId: '1', status: 'sent' as const, errorCode: null }];
    const p = plan([cb('SMb', 'delivered'), cb('SMb', 'queued')], { adopted });
    expect(results(p)).toEqual(['duplicate', 'stale']);
    expect(p.adopted).toMatchObject([{ providerId: 'SMb', status: 'delivered' }]);
    expect(p.adoptedNow).toEqual([]);
    expect(adopted[0]!.status).toBe('sent'); // the locked rows are not modified
  });

  it('keeps a message nobody knows as an orphan with its furthest status and the ledger id it named', () => {
    const p = plan([cb('SMz', 'delivered', '99'), cb('SMz', 'sent', '99'), cb('SMy', 'failed', 'x\u0000', 30007)], { orphans: [] });
    expect(results(p)).toEqual(['unmatched', 'unmatched', 'unmatched']);
    expect(p.orphans).toEqual([
      { providerId: 'SMz', namedLedger: '99', status: 'delivered', errorCode: null, callbacks: 2 },
      { providerId: 'SMy', namedLedger: null, status: 'failed', errorCode: '30007', callbacks: 1 },
    ]);
    const later = plan([cb('SMz', 'read')], { orphans: p.orphans });
    expect(later.orphans).toMatchObject([{ providerId: 'SMz', status: 'read', callbacks: 3 }]);
  });
});
