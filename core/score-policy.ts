/**
 * The score policy: every weight and threshold of the contact score and the tiers, in versioned
 * files (core/policy/score-policy.v*.json) validated by `scorePolicySchema` at module load, so a
 * broken file fails loudly at start. Publish a new version to change them; never edit a published
 * one (contacts record the version their stored score was computed with).
 *
 * Pure: no I/O beyond the JSON import, no clock.
 */
import { z } from 'zod';
import policyV1 from './policy/score-policy.v1.json' with { type: 'json' };
import policyV2 from './policy/score-policy.v2.json' with { type: 'json' };

export const VALIDITY_STATUSES = ['reachable', 'suspected_disconnected', 'unreachable', 'unknown'] as const;
export type ValidityStatus = (typeof VALIDITY_STATUSES)[number];

/** Line types, from libphonenumber's number types plus a lookup provider's mobile/fixed/voip. */
export const LINE_TYPES = [
  'mobile',
  'fixed_or_mobile',
  'fixed',
  'voip',
  'toll_free',
  'premium_rate',
  'shared_cost',
  'other',
  'unknown',
] as const;
export type LineType = (typeof LINE_TYPES)[number];

const points = z.number();
const nonNeg = z.number().nonnegative();
const perCount = z.strictObject({ pointsEach: nonNeg, max: nonNeg });
const threshold = z.strictObject({ atLeast: z.int().positive(), points: nonNeg });
const channel = z.enum(['sms', 'email', 'none']);
const mode = z.enum(['targeted', 'light_reminder', 'broadcast', 'no_contact']);
const cadence = z.strictObject({
  label: z.enum(['weekly', 'biweekly', 'monthly', 'none']),
  everyDays: z.int().positive().nullable(),
});

function ascending<T>(key: (t: T) => number, what: string) {
  return (arr: T[], ctx: z.RefinementCtx) => {
    for (let i = 1; i < arr.length; i++) {
      if (!(key(arr[i]!) > key(arr[i - 1]!))) {
        ctx.addIssue({ code: 'custom', path: [i], message: `${what} must be strictly ascending` });
      }
    }
  };
}

const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code');
const isoDate = z.iso.date({ error: 'must be a date YYYY-MM-DD' });
const bandsAtLeast = (what: string, value: z.ZodNumber) =>
  z.array(z.strictObject({ atLeast: value, points: nonNeg })).min(1).superRefine(ascending((b) => b.atLeast, `${what} atLeast`));
const bandsWithin = (what: string) =>
  z.array(z.strictObject({ withinDays: z.number().positive(), points: nonNeg })).min(1).superRefine(ascending((b) => b.withinDays, `${what} withinDays`));

/**
 * Exchange rates into the reference currency, by the date from which each table holds: an amount
 * is converted with the latest table from on or before its order date (the earliest table for
 * older orders). `perUnit.EUR: 1.08` = one euro is 1.08 units of the reference currency.
 */
const currencies = z.strictObject({
  note: z.string().optional(),
  rates: z
    .array(z.strictObject({ from: isoDate, perUnit: z.record(currencyCode, z.number().positive()) }))
    .min(1)
    .superRefine(ascending((r) => Date.parse(r.from), 'currencies.rates from')),
});

export const scorePolicySchema = z
  .strictObject({
    version: z.string().regex(/^score-policy\.v\d+$/, 'version must look like "score-policy.v1"'),
    description: z.string().optional(),
    referenceCurrency: currencyCode,
    /** Since v2: order values in other currencies are converted; without it every amount is read as referenceCurrency. */
    currencies: currencies.optional(),
    reachability: z.strictObject({
      validity: z.record(z.enum(VALIDITY_STATUSES), points),
      lineType: z.record(z.enum(LINE_TYPES), points),
      consecutiveDeliveryFailures: z.strictObject({ pointsEach: z.number().nonpositive(), floor: z.number().nonpositive() }),
    }),
    activity: z.strictObject({
      windowDays: z.int().positive(),
      recentLogin: z
        .array(z.strictObject({ withinDays: z.number().positive(), points: nonNeg }))
        .superRefine(ascending((b) => b.withinDays, 'recentLogin withinDays')),
      smsReplies: perCount,
      clicks: perCount,
      socialInteractions: perCount,
      /** Since v2: product views, add-to-cart and page views within windowDays. */
      browsing: perCount.optional(),
      recencyDecay: z.strictObject({ halfLifeDays: z.number().positive() }),
    }),
    commercial: z.strictObject({
      /** Since v2: days since the last order (recency). */
      recency: bandsWithin('recency').optional(),
      /** Since v2: orders placed, all time (frequency). */
      frequency: bandsAtLeast('frequency', z.int().positive()).optional(),
      /** Since v2: average order value x orders, in referenceCurrency (monetary). */
      lifetimeValue: bandsAtLeast('lifetimeValue', nonNeg).optional(),
      averageOrderValue: z
        .array(z.strictObject({ atLeast: nonNeg, points: nonNeg }))
        .superRefine(ascending((b) => b.atLeast, 'averageOrderValue atLeast')),
      repurchaseIntervalDays: z
        .array(z.strictObject({ atMost: z.number().positive(), points: nonNeg }))
        .superRefine(ascending((b) => b.atMost, 'repurchaseIntervalDays atMost')),
      categoryMatch: z.strictObject({ maxPoints: nonNeg }),
    }),
    risk: z.strictObject({
      complaints: perCount,
      rejectionRate: z.strictObject({ minAttempts: z.int().positive(), pointsAtFullRate: nonNeg }),
      lineType: z.record(z.enum(LINE_TYPES), nonNeg),
      virtualRange: nonNeg,
      registrationWindowHours: z.number().positive(),
      sameRangeRegistrations: threshold,
      sameDeviceRegistrations: threshold,
      quarantineThreshold: z.number().positive(),
    }),
    tiers: z.strictObject({
      reachableStatuses: z.array(z.enum(VALIDITY_STATUSES)).min(1),
      A: z.strictObject({
        minScore: points,
        minActivityPoints: nonNeg,
        minAverageOrderValue: nonNeg,
        /** Since v2: points of the commercial group (recency, frequency, value, repurchase, category). */
        minCommercialPoints: nonNeg.optional(),
        lineTypes: z.array(z.enum(LINE_TYPES)).min(1),
        channel,
        mode,
        cadence,
      }),
      B: z.strictObject({ minScore: points, minActivityPoints: nonNeg, minAverageOrderValue: nonNeg, minCommercialPoints: nonNeg.optional(), channel, mode, cadence }),
      C: z.strictObject({ channel, mode, cadence }),
      D: z.strictObject({ channel, mode, cadence }),
    }),
  })
  .superRefine((p, ctx) => {
    const { A, B, D, reachableStatuses } = p.tiers;
    if (A.minScore < B.minScore) ctx.addIssue({ code: 'custom', path: ['tiers', 'A', 'minScore'], message: 'A.minScore must be >= B.minScore' });
    if (A.minActivityPoints < B.minActivityPoints)
      ctx.addIssue({ code: 'custom', path: ['tiers', 'A', 'minActivityPoints'], message: 'A.minActivityPoints must be >= B.minActivityPoints' });
    if (A.minAverageOrderValue < B.minAverageOrderValue)
      ctx.addIssue({ code: 'custom', path: ['tiers', 'A', 'minAverageOrderValue'], message: 'A.minAverageOrderValue must be >= B.minAverageOrderValue' });
    if ((A.minCommercialPoints ?? 0) < (B.minCommercialPoints ?? 0))
      ctx.addIssue({ code: 'custom', path: ['tiers', 'A', 'minCommercialPoints'], message: 'A.minCommercialPoints must be >= B.minCommercialPoints' });
    if (p.currencies?.rates.some((r) => p.referenceCurrency in r.perUnit))
      ctx.addIssue({ code: 'custom', path: ['currencies', 'rates'], message: `the reference currency ${p.referenceCurrency} has no rate (it is 1)` });
    if (reachableStatuses.includes('unreachable'))
      ctx.addIssue({ code: 'custom', path: ['tiers', 'reachableStatuses'], message: '"unreachable" can never be a reachable status' });
    if (D.channel !== 'none' || D.mode !== 'no_contact')
      ctx.addIssue({ code: 'custom', path: ['tiers', 'D'], message: 'tier D is no contact: channel "none", mode "no_contact"' });
  });

export type ScorePolicy = z.infer<typeof scorePolicySchema>;

export class ScorePolicyError extends Error {
  readonly issues: readonly string[];
  constructor(issues: readonly string[], source?: string) {
    super(`Invalid score policy${source ? ` (${source})` : ''}:\n  - ${issues.join('\n  - ')}`);
    this.name = 'ScorePolicyError';
    this.issues = issues;
  }
}

/** Validate a parsed policy document. Throws ScorePolicyError listing every problem by path. */
export function parseScorePolicy(raw: unknown, source?: string): ScorePolicy {
  const r = scorePolicySchema.safeParse(raw);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  throw new ScorePolicyError(issues, source);
}

/** The shipped policies, validated at module load: a broken file fails loudly at startup. */
export const SCORE_POLICY_V1: ScorePolicy = parseScorePolicy(policyV1, 'core/policy/score-policy.v1.json');
export const SCORE_POLICY_V2: ScorePolicy = parseScorePolicy(policyV2, 'core/policy/score-policy.v2.json');

/** Every shipped version by its name (contacts.policy_version says which one scored a contact). */
export const SCORE_POLICIES: ReadonlyMap<string, ScorePolicy> = new Map([SCORE_POLICY_V1, SCORE_POLICY_V2].map((p) => [p.version, p]));

/** The version new scores are computed with: the latest published. */
export const CURRENT_SCORE_POLICY: ScorePolicy = SCORE_POLICY_V2;

/** The number of a version name: 'score-policy.v12' -> 12. */
export const versionNumber = (version: string): number => Number(/^score-policy\.v(\d+)$/.exec(version)?.[1] ?? Number.NaN);
