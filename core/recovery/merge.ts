/**
 * How a confirmed changed-number merge folds the old contact into the survivor (the new number's
 * contact): the plan db/recovery-merge.ts `mergeConfirmed` writes, and the welcome-back copy of
 * the follow-up campaign it creates. Pure: the facts in, the facts to write out.
 */

/** The facts of a contact that a merge folds (read under the merge's row locks). */
export interface MergeFacts {
  tier: string;
  score: number;
  /** The primary channel tag. */
  channelTag: string | null;
  name: string | null;
  orderCurrency: string | null;
  shippingAddress: string | null;
  registeredAt: Date | null;
  firstOrderAt: Date | null;
  lastOrderAt: Date | null;
  /** Orders the source counts (null: it never said). */
  sourceOrderCount: number | null;
  orderCount: number;
  /** numeric(14, 2) as PostgreSQL writes it ("12.50"); null when unknown. */
  orderValue: string | null;
}

export interface MergePlan {
  /** The survivor's facts after the merge. */
  survivor: MergeFacts;
  /** The old contact, now an alias: out of SMS lists, its orders counted on the survivor only. */
  old: { smsEligible: boolean; orderCount: number; orderValue: string | null; lastOrderAt: Date | null; sourceOrderCount: number | null };
  /** Source names the survivor and the old contact gain (beside the union of both contacts' own). */
  addSources: { survivor: string[]; old: string[] };
  /** The survivor's tier history row, when the merge changes its tier. */
  tierChange: { from: string; to: string; score: number; cause: string; reasons: string[] } | null;
}

const earliest = (a: Date | null, b: Date | null) => (a === null ? b : b === null ? a : a <= b ? a : b);
const latest = (a: Date | null, b: Date | null) => (a === null ? b : b === null ? a : a >= b ? a : b);
const sumOrNull = (a: number | null, b: number | null) => (a === null && b === null ? null : (a ?? 0) + (b ?? 0));

/** Cents of a numeric(14, 2) text, exactly ("-3.5" -> -350n). */
function cents(v: string): bigint {
  const [whole = '0', frac = ''] = v.trim().replace(/^[+-]/, '').split('.');
  const c = BigInt(whole || '0') * 100n + BigInt((frac + '00').slice(0, 2));
  return v.trim().startsWith('-') ? -c : c;
}
function moneyText(c: bigint): string {
  const abs = c < 0n ? -c : c;
  return `${c < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}
const addMoney = (a: string | null, b: string | null) => (a === null && b === null ? null : moneyText(cents(a ?? '0') + cents(b ?? '0')));

/**
 * The survivor keeps its own identity fields where it has them (channel tag, name, currency,
 * address) and takes the old contact's where it has none; the customer's history is the union:
 * earliest registration and first order, latest order, counts and value summed. The better tier
 * and the higher score stand (a dead old number had put the customer in D).
 */
export function mergePlan(survivor: MergeFacts, old: MergeFacts, ids: { oldContactId: number; caseId: number }): MergePlan {
  const tier = survivor.tier <= old.tier ? survivor.tier : old.tier;
  const score = Math.max(survivor.score, old.score);
  const merged: MergeFacts = {
    tier,
    score,
    channelTag: survivor.channelTag ?? old.channelTag,
    name: survivor.name ?? old.name,
    orderCurrency: survivor.orderCurrency ?? old.orderCurrency,
    shippingAddress: survivor.shippingAddress ?? old.shippingAddress,
    registeredAt: earliest(survivor.registeredAt, old.registeredAt),
    firstOrderAt: earliest(survivor.firstOrderAt, old.firstOrderAt),
    lastOrderAt: latest(survivor.lastOrderAt, old.lastOrderAt),
    sourceOrderCount: sumOrNull(survivor.sourceOrderCount, old.sourceOrderCount),
    orderCount: survivor.orderCount + old.orderCount,
    orderValue: addMoney(survivor.orderValue, old.orderValue),
  };
  return {
    survivor: merged,
    old: { smsEligible: false, orderCount: 0, orderValue: null, lastOrderAt: null, sourceOrderCount: null },
    addSources: { survivor: ['recovery'], old: ['merged'] },
    tierChange:
      tier === survivor.tier
        ? null
        : { from: survivor.tier, to: tier, score, cause: `recovery:merge:${ids.caseId}`, reasons: [`merged contact ${ids.oldContactId} (changed number)`] },
  };
}

/** A campaign as stored: what the welcome-back copies. */
export interface StoredCampaign {
  name: string;
  category: string;
  definition: Record<string, unknown>;
}

/**
 * The welcome-back: a copy of the follow-up campaign (a marketing campaign created as a template,
 * not launched) whose audience is the merged customer alone, without the template's own start and
 * deadline. Its own rules decide when, or whether, it goes out: consent, the local window,
 * holidays, caps across campaigns. None when the template is not a marketing campaign.
 */
export function welcomeBackCampaign(template: StoredCampaign, contactId: number, caseId: number): StoredCampaign | null {
  if (template.category !== 'marketing') return null;
  const { startAt: _s, deadline: _d, ...def } = template.definition;
  const name = `${template.name} (welcome back, case ${caseId})`;
  return { name, category: template.category, definition: { ...def, name, audience: { contactIds: [contactId] } } };
}

/** The rules a merge applies (db/recovery-merge.ts mergeConfirmed takes them as an argument). */
export interface MergeRules {
  plan: typeof mergePlan;
  welcomeBack: typeof welcomeBackCampaign;
}
export const MERGE_RULES: MergeRules = { plan: mergePlan, welcomeBack: welcomeBackCampaign };
