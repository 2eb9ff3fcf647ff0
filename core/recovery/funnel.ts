/**
 * The recovery funnel: detected -> matched -> confirmation sent -> confirmed / refused / expired.
 * Each stage counts the cases that reached it; rates are of the stage before (outcomes: of the
 * confirmations sent).
 */
export interface CaseStages {
  state: string;
  matched: boolean;
  confirmationSent: boolean;
}

export interface Funnel {
  detected: number;
  matched: number;
  confirmationSent: number;
  confirmed: number;
  refused: number;
  expired: number;
  cancelled: number;
  open: number;
  rates: { matched: number | null; confirmationSent: number | null; confirmed: number | null; refused: number | null; expired: number | null };
}

const rate = (n: number, of: number) => (of === 0 ? null : Math.round((n / of) * 10_000) / 10_000);

/** From per-state counts: state -> { cases, matched, sent } (db/recovery.ts funnelCounts). */
export function funnelOf(rows: ReadonlyArray<{ state: string; cases: number; matched: number; sent: number }>): Funnel {
  const by = (s: string) => rows.find((r) => r.state === s)?.cases ?? 0;
  const sum = (k: 'cases' | 'matched' | 'sent') => rows.reduce((a, r) => a + r[k], 0);
  const detected = sum('cases');
  const matched = sum('matched');
  const confirmationSent = sum('sent');
  const f = { detected, matched, confirmationSent, confirmed: by('confirmed'), refused: by('refused'), expired: by('expired'), cancelled: by('cancelled') };
  return {
    ...f,
    open: by('detected') + by('matched') + by('confirmation_sent'),
    rates: {
      matched: rate(matched, detected),
      confirmationSent: rate(confirmationSent, matched),
      confirmed: rate(f.confirmed, confirmationSent),
      refused: rate(f.refused, confirmationSent),
      expired: rate(f.expired, confirmationSent),
    },
  };
}

export function renderFunnel(f: Funnel): string {
  const pct = (r: number | null) => (r === null ? '-' : `${(r * 100).toFixed(1)}%`);
  return [
    `detected           ${f.detected}`,
    `matched            ${f.matched}  (${pct(f.rates.matched)} of detected)`,
    `confirmation sent  ${f.confirmationSent}  (${pct(f.rates.confirmationSent)} of matched)`,
    `  confirmed        ${f.confirmed}  (${pct(f.rates.confirmed)} of sent)`,
    `  refused          ${f.refused}  (${pct(f.rates.refused)} of sent)`,
    `  expired          ${f.expired}  (${pct(f.rates.expired)} of sent)`,
    `cancelled ${f.cancelled}; open ${f.open}`,
  ].join('\n');
}
