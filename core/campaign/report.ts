/**
 * The campaign report (`reachloop campaign report`): what was decided, what went out and what came
 * of it, shaped from the counts db/campaign-report.ts reads. Pure: no I/O, no clock.
 *
 * Attribution, the same for every figure: a click counts for the message whose tracked link was
 * opened; a reply, an opt-out or an order counts for a message when it came after the send and
 * before both the end of the attribution window and the contact's next marketing message (on the
 * same channel for replies and opt-outs, on any channel for orders): the last message gets the
 * credit, never two.
 */

/** Counts of one group of ledger rows (released cap reservations left out). */
export interface FunnelCounts {
  /** Ledger rows: sent + failed + unknown + pending. */
  messages: number;
  /** Accepted by the provider (an SMTP server, Twilio). */
  sent: number;
  /** The provider reported delivery (SMS status callbacks; e-mail has no receipts). */
  delivered: number;
  /** Accepted, then reported undelivered or failed by the carrier. */
  undelivered: number;
  /** Refused by the provider at send time (an opted-out or invalid number, SMTP 550). */
  failed: number;
  /** Nobody can tell whether it went out (marketing is never sent twice to find out). */
  unknown: number;
  /** Reserved or being sent: the campaign is still running. */
  pending: number;
  /** Sent messages with at least one tracked-link click. */
  clicked: number;
  /** Sent SMS followed by a reply (not a keyword such as STOP). */
  replied: number;
  /** Sent messages followed by an order (a `purchase` event). */
  ordered: number;
  /** Sent messages followed by an opt-out on their channel. */
  optedOut: number;
  /** Tracked-link clicks counted (not previews), all of them. */
  clicks: number;
  /** SMS segments of the sent messages: what the carrier bills. */
  segments: number;
}

export const FUNNEL_FIELDS = ['messages', 'sent', 'delivered', 'undelivered', 'failed', 'unknown', 'pending', 'clicked', 'replied', 'ordered', 'optedOut', 'clicks', 'segments'] as const satisfies ReadonlyArray<keyof FunnelCounts>;

/** The dimensions a report breaks its figures down by. */
export const DIMENSIONS = ['step', 'tier', 'channel', 'country', 'localHour'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** One group as db/ reads it: the dimension, its value (null = not known), its counts. */
export interface GroupCounts {
  /** null: the whole campaign. */
  dimension: Dimension | null;
  key: string | number | null;
  counts: FunnelCounts;
}

export interface DecisionCount {
  decision: 'SEND' | 'DEFER' | 'SKIP';
  reason: string;
  /** The rule that decided a DEFER/SKIP (`outside_window:us-tcpa-hours`, `cap:tier-cadence-B`). */
  rule: string | null;
  decisions: number;
  contacts: number;
}

export interface CapCount {
  rule: string;
  decisions: number;
  contacts: number;
}

export interface CampaignSummary {
  id: number;
  name: string;
  category: string;
  status: string;
  createdAt: string;
  launchedAt: string | null;
  finishedAt: string | null;
}

/**
 * The holdout next to those the campaign was for (journeys, core/campaign/journey.ts): contacts
 * and how many of them ordered (a `purchase` event) from the start of the campaign to the end of
 * the attribution window after it.
 */
export interface HoldoutFacts {
  holdout: { contacts: number; ordered: number };
  treated: { contacts: number; ordered: number };
}

export interface HoldoutReport extends HoldoutFacts {
  rates: { holdout: number | null; treated: number | null };
  /** Treated conversion minus holdout conversion (a share, e.g. 0.05 = 5 points); null without both. */
  uplift: number | null;
}

/** Everything db/campaign-report.ts reads for one report. */
export interface ReportFacts {
  campaign: CampaignSummary;
  recipients: { planned: number; byState: Record<string, number> };
  decisions: readonly DecisionCount[];
  caps: readonly CapCount[];
  groups: readonly GroupCounts[];
  attributionMs: number;
  /** Absent or null: the campaign has no holdout. */
  holdout?: HoldoutFacts | null;
}

/** A share of the messages sent (null when nothing was sent). */
export interface FunnelRates {
  delivered: number | null;
  clicked: number | null;
  replied: number | null;
  ordered: number | null;
  optedOut: number | null;
}

export type Breakdown = { key: string } & FunnelCounts;

export interface CampaignReport {
  campaign: CampaignSummary;
  attribution: { window: string; windowMs: number; rule: string };
  recipients: { planned: number; byState: Record<string, number> };
  funnel: FunnelCounts & { rates: FunnelRates };
  decisions: DecisionCount[];
  caps: CapCount[];
  by: Record<Dimension, Breakdown[]>;
  holdout: HoldoutReport | null;
}

export const DEFAULT_ATTRIBUTION = '7d';

export const ATTRIBUTION_RULE =
  'a click counts for the message whose link was opened; a reply, opt-out or order for the last message before it, within the window (replies and opt-outs on the same channel)';

export const emptyCounts = (): FunnelCounts => Object.fromEntries(FUNNEL_FIELDS.map((f) => [f, 0])) as unknown as FunnelCounts;

const share = (n: number, of: number): number | null => (of > 0 ? n / of : null);

export function funnelRates(c: FunnelCounts): FunnelRates {
  return { delivered: share(c.delivered, c.sent), clicked: share(c.clicked, c.sent), replied: share(c.replied, c.sent), ordered: share(c.ordered, c.sent), optedOut: share(c.optedOut, c.sent) };
}

/** The label of a group's key: local hours as "09", unknowns as "unknown". */
export function keyLabel(dimension: Dimension, key: string | number | null): string {
  if (key === null || key === '') return 'unknown';
  return dimension === 'localHour' ? String(key).padStart(2, '0') : String(key);
}

/** Hours, tiers and steps in their own order; channels and countries by messages sent, most first. Unknown last. */
function ordered(dimension: Dimension, rows: Breakdown[]): Breakdown[] {
  const unknownLast = (a: Breakdown, b: Breakdown) => Number(a.key === 'unknown') - Number(b.key === 'unknown');
  if (dimension === 'localHour' || dimension === 'tier' || dimension === 'step') return rows.sort((a, b) => unknownLast(a, b) || a.key.localeCompare(b.key));
  return rows.sort((a, b) => unknownLast(a, b) || b.sent - a.sent || b.messages - a.messages || a.key.localeCompare(b.key));
}

const DECISION_ORDER = { SEND: 0, DEFER: 1, SKIP: 2 } as const;

/** Shapes what db/ read into the report: totals with rates, breakdowns in a readable order. */
export function shapeCampaignReport(facts: ReportFacts, window: string): CampaignReport {
  const total = facts.groups.find((g) => g.dimension === null)?.counts ?? emptyCounts();
  const by = Object.fromEntries(DIMENSIONS.map((d) => [d, [] as Breakdown[]])) as Record<Dimension, Breakdown[]>;
  for (const g of facts.groups) if (g.dimension !== null) by[g.dimension].push({ key: keyLabel(g.dimension, g.key), ...g.counts });
  for (const d of DIMENSIONS) by[d] = ordered(d, by[d]);
  return {
    campaign: facts.campaign,
    attribution: { window, windowMs: facts.attributionMs, rule: ATTRIBUTION_RULE },
    recipients: facts.recipients,
    funnel: { ...total, rates: funnelRates(total) },
    decisions: [...facts.decisions].sort(
      (a, b) => DECISION_ORDER[a.decision] - DECISION_ORDER[b.decision] || b.decisions - a.decisions || a.reason.localeCompare(b.reason) || (a.rule ?? '').localeCompare(b.rule ?? ''),
    ),
    caps: [...facts.caps].sort((a, b) => b.decisions - a.decisions || a.rule.localeCompare(b.rule)),
    by,
    holdout: facts.holdout ? holdoutReport(facts.holdout) : null,
  };
}

export function holdoutReport(h: HoldoutFacts): HoldoutReport {
  const rates = { holdout: share(h.holdout.ordered, h.holdout.contacts), treated: share(h.treated.ordered, h.treated.contacts) };
  return { ...h, rates, uplift: rates.holdout === null || rates.treated === null ? null : rates.treated - rates.holdout };
}

/** The 24 local hours with their counts (zeros where nothing went out), for a chart's axis. */
export function hoursOfDay(rows: readonly Breakdown[]): Breakdown[] {
  const at = new Map(rows.map((r) => [r.key, r]));
  return Array.from({ length: 24 }, (_, h) => {
    const key = String(h).padStart(2, '0');
    return at.get(key) ?? { key, ...emptyCounts() };
  });
}

/** The funnel's stages in order, for tables and charts. */
export const FUNNEL_STAGES = [
  ['sent', 'sent'],
  ['delivered', 'delivered'],
  ['clicked', 'clicked'],
  ['replied', 'replied'],
  ['ordered', 'ordered'],
] as const satisfies ReadonlyArray<readonly [keyof FunnelCounts, string]>;

/** "33.3%", or "-" when there is nothing to divide by. */
export function percent(rate: number | null): string {
  if (rate === null) return '-';
  const p = rate * 100;
  return `${p === Math.round(p) ? p.toFixed(0) : p.toFixed(1)}%`;
}

/**
 * The funnel as table rows (label, count, share of sent): the stages, then opt-outs and what did
 * not get through, then link clicks and segments (no share).
 */
export function funnelTable(f: FunnelCounts): Array<[string, number, string]> {
  const ofSent = (n: number) => percent(share(n, f.sent));
  return [
    ...FUNNEL_STAGES.map(([k, label]): [string, number, string] => [label, f[k], ofSent(f[k])]),
    ['opted out', f.optedOut, ofSent(f.optedOut)],
    ['undelivered', f.undelivered, ofSent(f.undelivered)],
    ['failed at send', f.failed, '-'],
    ['outcome unknown', f.unknown, '-'],
    ['not sent yet', f.pending, '-'],
    ['link clicks', f.clicks, '-'],
    ['SMS segments', f.segments, '-'],
  ];
}
