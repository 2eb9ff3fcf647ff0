/**
 * The contact policy: the one home of every rule about whom may be contacted, when and how often
 * (product default windows, regional law, caps across campaigns, tier cadence and channel,
 * holiday behaviour). Loaded from the versioned file beside this module and validated at module
 * load, so a broken file fails loudly at start. Campaigns can tighten these rules, never loosen
 * them (core/policy/effective.ts); every DEFER/SKIP names the rule that decided it by its id.
 *
 * Pure: no I/O beyond the JSON import, no clock.
 */
import { z } from 'zod';
import policyV1 from './contact-policy.v1.json' with { type: 'json' };

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const hhmm = z.string().regex(HHMM, 'must be HH:mm, e.g. 09:00');
const ruleId = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes');
const isoWeekday = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5), z.literal(6), z.literal(7)]);
const timeRange = z.strictObject({ start: hhmm, end: hhmm });
const windowShape = z.strictObject({
  start: hhmm,
  end: hhmm,
  quietHours: z.array(timeRange).optional(),
  days: z.array(isoWeekday).min(1).optional(),
});
const namedWindow = z.strictObject({ id: ruleId, start: hhmm, end: hhmm, note: z.string().min(1) });

export const POLICY_CHANNELS = ['sms', 'email'] as const;
export type PolicyChannel = (typeof POLICY_CHANNELS)[number];
const capRule = z.strictObject({
  id: ruleId,
  channel: z.enum(POLICY_CHANNELS),
  max: z.int().positive(),
  perHours: z.number().positive(),
  note: z.string().min(1),
});

const tierPolicy = z.strictObject({
  channel: z.enum(['sms', 'email', 'none']),
  mode: z.enum(['targeted', 'light_reminder', 'broadcast', 'no_contact']),
  cadence: z.strictObject({ label: z.enum(['weekly', 'biweekly', 'monthly', 'none']), everyDays: z.int().positive().nullable() }),
  note: z.string().min(1),
});

const regionalRule = z.strictObject({
  id: ruleId,
  /** 'US' (federal), 'US-FL' (ISO 3166-2), a country code, or 'EU' (every member state). */
  region: z.string().regex(/^([A-Z]{2}(-[A-Z0-9]{1,3})?|EU)$/),
  appliesTo: z.array(z.enum(['sms', 'voice', 'email'])).min(1),
  /** Channels the product applies the rule to although the statute's coverage is not confirmed. */
  precautionaryFor: z.array(z.enum(['sms', 'voice', 'email'])).optional(),
  window: windowShape.nullable(),
  maxPer24h: z.int().positive().nullable(),
  maxPer30d: z.int().positive().nullable(),
  noSendOnPublicHolidays: z.boolean(),
  citation: z.string().min(1),
  confidence: z.enum(['confirmed', 'secondary-source']),
  note: z.string().min(1),
});

/** Consent source names as stored: lower-case letters, digits and underscores (core/policy/consent.ts normalises). */
const consentSourceName = z.string().regex(/^[a-z0-9][a-z0-9_]*$/, 'must be lower-case letters, digits and underscores');
const consentSource = z.strictObject({ worth: z.enum(['explicit', 'implied', 'never']), rule: ruleId.optional(), note: z.string().min(1) });
/** A country code or 'EU' (every member state). */
const consentRegion = z.string().regex(/^([A-Z]{2}|EU)$/);

/** Days a kind of row is kept before `reachloop privacy retention` purges it (core/privacy/retention.ts). */
const retentionPeriod = z.strictObject({ days: z.int().min(1, 'at least 1 day').max(3650, 'at most 3650 days (ten years)'), note: z.string().min(1) });
export const RETENTION_KINDS = ['importRejectsRaw', 'eventImportRejectsRaw', 'importWarnings', 'eventImportWarnings', 'events', 'unmatchedEvents', 'sendAttempts', 'twilioWebhooks', 'lookupCache', 'accessAudit'] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];
const retentionShape = z.strictObject({
  ...(Object.fromEntries(RETENTION_KINDS.map((k) => [k, retentionPeriod])) as Record<RetentionKind, typeof retentionPeriod>),
  note: z.string().min(1),
});

export const contactPolicySchema = z
  .strictObject({
    version: z.string().regex(/^contact-policy\.v\d+$/, 'version must look like "contact-policy.v1"'),
    description: z.string().min(1),
    windows: z.strictObject({
      marketing: namedWindow,
      transactionalNonUrgent: namedWindow,
      numberConfirmation: namedWindow,
    }),
    caps: z.strictObject({ marketing: z.array(capRule).min(1), note: z.string().min(1) }),
    tiers: z.strictObject({ A: tierPolicy, B: tierPolicy, C: tierPolicy, D: tierPolicy }),
    holidays: z.strictObject({ marketing: z.enum(['defer', 'skip']), note: z.string().min(1) }),
    optOutFooters: z.strictObject({ byCountry: z.record(z.string().regex(/^[A-Z]{2}$/), z.string().min(2)), note: z.string().min(1) }),
    regionalRules: z.array(regionalRule).min(1),
    complaints: z.strictObject({
      channel: z.strictObject({ id: ruleId, note: z.string().min(1) }),
      blockList: z.strictObject({ id: ruleId, atComplaints: z.int().positive(), note: z.string().min(1) }),
      note: z.string().min(1),
    }),
    /**
     * Device farms (core/device-farm.ts): bulk registrations from one device or number range. The
     * intake counts registrations per calendar day of the opt-in, so no window below a day exists.
     */
    deviceFarms: z.strictObject({
      sameDeviceRegistrations: z.strictObject({ atLeast: z.int().min(2), withinHours: z.number().min(24, 'registrations are counted per day of opt-in: 24 or more') }),
      sameRangeRegistrations: z.strictObject({ atLeast: z.int().min(2), withinHours: z.number().min(24, 'registrations are counted per day of opt-in: 24 or more') }),
      accountsOnDevice: z.strictObject({ atLeast: z.int().min(2) }),
      note: z.string().min(1),
    }),
    /** What each consent source is worth for marketing, where only explicit consent counts, double opt-in (core/policy/consent.ts). */
    consent: z.strictObject({
      sources: z.record(consentSourceName, consentSource).refine((s) => Object.keys(s).length > 0, 'at least one source'),
      unknownSource: z.enum(['explicit', 'implied', 'never']),
      required: z.strictObject({ id: ruleId, note: z.string().min(1) }),
      explicitOnly: z.strictObject({ id: ruleId, regions: z.array(consentRegion).min(1), citation: z.string().min(1), note: z.string().min(1) }),
      doubleOptIn: z.strictObject({ id: ruleId, channels: z.array(z.enum(POLICY_CHANNELS)).min(1), countries: z.array(z.string().regex(/^[A-Z]{2}$/)), citation: z.string().min(1), note: z.string().min(1) }),
      /** A reported number change while the current number is reachable: it is told, and may have to agree (core/recovery/number-change.ts). */
      numberChange: z.strictObject({ id: ruleId, requireCurrentNumberAnswer: z.boolean(), answerWithinHours: z.number().positive().max(720), note: z.string().min(1) }),
      note: z.string().min(1),
    }),
    /** How long each kind of row with personal data is kept (issue 17 item 4). */
    retention: retentionShape,
  })
  .superRefine((p, ctx) => {
    const ids = [
      p.windows.marketing.id,
      p.windows.transactionalNonUrgent.id,
      p.windows.numberConfirmation.id,
      ...p.caps.marketing.map((c) => c.id),
      ...p.regionalRules.map((r) => r.id),
      p.consent.required.id,
      p.consent.explicitOnly.id,
      p.consent.doubleOptIn.id,
      p.consent.numberChange.id,
      ...Object.values(p.consent.sources).flatMap((s) => (s.rule ? [s.rule] : [])),
    ];
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) ctx.addIssue({ code: 'custom', path: [], message: `rule id "${id}" is used twice` });
      seen.add(id);
    }
    for (const [name, w] of Object.entries(p.windows))
      if (w.end <= w.start) ctx.addIssue({ code: 'custom', path: ['windows', name, 'end'], message: 'must be after start' });
    for (const [name, s] of Object.entries(p.consent.sources))
      if ((s.worth === 'never') !== (s.rule !== undefined))
        ctx.addIssue({ code: 'custom', path: ['consent', 'sources', name, 'rule'], message: 'a "never" source names its rule id (and only a "never" source)' });
    if (p.retention.accessAudit.days < 365) ctx.addIssue({ code: 'custom', path: ['retention', 'accessAudit', 'days'], message: 'the access audit is kept at least 365 days' });
    for (const k of ['importRejectsRaw', 'eventImportRejectsRaw'] as const)
      if (p.retention[k].days > 180) ctx.addIssue({ code: 'custom', path: ['retention', k, 'days'], message: 'the raw text of rejected lines is kept at most 180 days' });
    if (p.tiers.D.channel !== 'none' || p.tiers.D.cadence.everyDays !== null)
      ctx.addIssue({ code: 'custom', path: ['tiers', 'D'], message: 'tier D is no contact: channel "none", cadence everyDays null' });
  });

export type ContactPolicy = z.infer<typeof contactPolicySchema>;
export type RegionalRule = ContactPolicy['regionalRules'][number];
export type PolicyCapRule = ContactPolicy['caps']['marketing'][number];
export type TierName = keyof ContactPolicy['tiers'];
export type ComplaintPolicy = ContactPolicy['complaints'];
export type DeviceFarmPolicy = ContactPolicy['deviceFarms'];
export type ConsentPolicy = ContactPolicy['consent'];
export type RetentionPolicy = ContactPolicy['retention'];

export class ContactPolicyError extends Error {
  constructor(readonly issues: readonly string[], source?: string) {
    super(`Invalid contact policy${source ? ` (${source})` : ''}:\n  - ${issues.join('\n  - ')}`);
    this.name = 'ContactPolicyError';
  }
}

/** Validates a parsed policy document; throws ContactPolicyError listing every problem by path. */
export function parseContactPolicy(raw: unknown, source?: string): ContactPolicy {
  const r = contactPolicySchema.safeParse(raw);
  if (r.success) return r.data;
  throw new ContactPolicyError(r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`), source);
}

/** The shipped policy, validated at module load. */
export const CONTACT_POLICY: ContactPolicy = parseContactPolicy(policyV1, 'core/policy/contact-policy.v1.json');

/** The tier's default channel (a campaign may choose another channel per tier, never for D). */
export const tierChannels = (p: ContactPolicy): Record<TierName, 'sms' | 'email' | 'none'> => ({
  A: p.tiers.A.channel,
  B: p.tiers.B.channel,
  C: p.tiers.C.channel,
  D: p.tiers.D.channel,
});

/** The language whose opt-out instruction every marketing SMS to this country must carry, if any. */
export const requiredFooterLanguage = (p: ContactPolicy, country: string | null): string | null => (country ? (p.optOutFooters.byCountry[country] ?? null) : null);

/** Rule id of a tier's cadence, as named in decisions: 'tier-cadence-B'. */
export const tierCadenceId = (tier: TierName): string => `tier-cadence-${tier}`;
