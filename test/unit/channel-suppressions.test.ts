import { describe, expect, it } from 'vitest';
import { suppressionsOf } from '../../db/suppressions';

// The suppressions a send decision reads, per sending channel: a row on 'all' counts on both, an
// SMS opt-out still pending for the number counts on SMS, each kind once.


describe('suppressionsOf', () => {
  it.each([
    { name: 'none', rows: [], pending: false, sms: [], email: [] },
    { name: 'an SMS opt-out', rows: [['sms', 'opt_out']], pending: false, sms: ['opt_out'], email: [] },
    { name: 'an e-mail bounce', rows: [['email', 'bounce']], pending: false, sms: [], email: ['bounce'] },
    { name: "a complaint on 'all' counts on both", rows: [['all', 'complaint']], pending: false, sms: ['complaint'], email: ['complaint'] },
    { name: 'the same kind on a channel and on all, once', rows: [['all', 'opt_out'], ['sms', 'opt_out']], pending: false, sms: ['opt_out'], email: ['opt_out'] },
    { name: 'a pending STOP is an SMS opt-out', rows: [['email', 'opt_out']], pending: true, sms: ['opt_out'], email: ['opt_out'] },
    { name: 'a pending STOP beside a recorded one, once', rows: [['sms', 'opt_out'], ['sms', 'carrier_block']], pending: true, sms: ['opt_out', 'carrier_block'], email: [] },
  ] as Array<{ name: string; rows: Array<[string, string]>; pending: boolean; sms: string[]; email: string[] }>)('$name', ({ rows, pending, sms, email }) => {
    expect(suppressionsOf(rows.length ? rows : null, pending)).toEqual({ sms, email });
  });
});
