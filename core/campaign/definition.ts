import { z } from 'zod';
import { CONTACT_POLICY, tierChannels } from '../policy/contact-policy';
import { templateVariables, TEMPLATE_VARIABLES } from '../template';

/**
 * A campaign definition (YAML or JSON file), validated with one readable line per problem.
 * Times are ISO 8601 with an offset; windows are recipient-local wall-clock times. Windows, caps
 * and holidays here can only tighten the contact policy (core/policy/effective.ts); what the policy
 * overrides is reported by core/policy/check.ts.
 */
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const hhmm = z.string().regex(HHMM, 'must be HH:mm, e.g. 09:00');
// Zero-padded HH:mm compares as text; a range cannot cross midnight (send-window rejects it at send time).
const endAfterStart = (r: { start: string; end: string }) => !HHMM.test(r.start) || !HHMM.test(r.end) || r.end > r.start;
const endAfterStartError = { path: ['end'], message: 'must be after start (a range cannot cross midnight)' };
const range = z.strictObject({ start: hhmm, end: hhmm }).refine(endAfterStart, endAfterStartError);
const windowSchema = z.strictObject({
  start: hhmm,
  end: hhmm,
  quietHours: z.array(range).optional(),
  days: z.array(z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5), z.literal(6), z.literal(7)])).min(1).optional(),
}).refine(endAfterStart, endAfterStartError);
const channel = z.enum(['sms', 'email', 'none']);
const tier = z.enum(['A', 'B', 'C', 'D']);
const instant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with offset, e.g. 2026-12-01T09:00:00+08:00' });
// Bounds keep a typo from meaning "unlimited": 1e308 messages a second is not a rate.
const capRule = z.strictObject({ max: z.int().positive().max(1_000), perHours: z.number().positive().max(24 * 366) });
const rate = z.number().positive().max(10_000, 'at most 10000 messages a second');

const emailTemplate = z.strictObject({ subject: z.string().min(1), text: z.string().min(1), html: z.string().min(1).optional() });
const templatesSchema = z
  .strictObject({
    sms: z.record(z.string().min(2), z.string().min(1)).refine((t) => Object.keys(t).length > 0, 'needs at least one language').optional(),
    email: z.record(z.string().min(2), emailTemplate).refine((t) => Object.keys(t).length > 0, 'needs at least one language').optional(),
  })
  .refine((t) => t.sms || t.email, 'needs an sms or an email template');

/**
 * One step of a journey (core/campaign/journey.ts): its channels and templates replace the
 * campaign's, and it is due waitDays after the step before it was sent to the contact.
 */
const stepSchema = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9_-]{0,19}$/, 'must be 1-20 lower-case letters, digits, - or _, starting with a letter'),
  channels: z.partialRecord(tier, channel).optional(),
  templates: templatesSchema.optional(),
  /** Days after the previous step's send; required from the second step on. */
  waitDays: z.number().positive().max(365).optional(),
  audience: z
    .strictObject({
      /** Only contacts with no click, reply or order since the previous step's send. */
      noEngagementSinceStep: z.boolean().default(false),
    })
    .default({ noEngagementSinceStep: false }),
});

export const campaignSchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    category: z.enum(['marketing', 'transactional']),
    brand: z.string().min(1).max(40).default('reachloop'),
    audience: z
      .strictObject({
        tiers: z.array(tier).min(1).optional(),
        tags: z.array(z.string().min(1)).min(1).optional(),
        countries: z.array(z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter ISO code')).min(1).optional(),
        contactIds: z.array(z.int().positive()).min(1).optional(),
        /** Event-based segment: contacts with (or, with absent: true, without) such an event lately. */
        segment: z
          .strictObject({ event: z.string().min(1), withinDays: z.number().positive(), absent: z.boolean().default(false) })
          .optional(),
        /** Win-back: the last order at least olderThanDays ago and (or) within withinDays, e.g. 60 and 180. */
        lastOrder: z
          .strictObject({ olderThanDays: z.int().min(0).max(3_650).optional(), withinDays: z.int().positive().max(3_650).optional() })
          .refine((o) => o.olderThanDays !== undefined || o.withinDays !== undefined, 'needs olderThanDays or withinDays')
          .refine((o) => o.olderThanDays === undefined || o.withinDays === undefined || o.withinDays > o.olderThanDays, 'withinDays must be more than olderThanDays')
          .optional(),
        /** Scheduled runs: leave out whoever a run of the same template messaged in this many days. */
        seriesCooldownDays: z.int().positive().max(3_650).optional(),
        limit: z.int().positive().optional(),
      })
      .default({}),
    /** Channel per tier; default the contact policy's tier channel (A sms, B email, C email, D none). */
    channels: z.partialRecord(tier, channel).default({}),
    /** Use the other channel when the tier's channel is unavailable for a contact. */
    fallback: z.boolean().default(true),
    templates: templatesSchema,
    defaultLanguage: z.string().min(2).default('en'),
    /** Absent: the policy's window for the category alone. */
    window: windowSchema.optional(),
    countryWindows: z.record(z.string().regex(/^[A-Z]{2}$/), windowSchema).default({}),
    /** Absent: the policy's (marketing defers on public holidays; transactional ignores them). */
    holidays: z.enum(['skip', 'defer', 'ignore']).optional(),
    /** Send on working days only: weekends and public holidays off, official make-up workdays on. */
    workingDaysOnly: z.boolean().default(false),
    /** Transactional only: one-time codes and alerts, sent at any hour (others wait out the night). */
    urgent: z.boolean().default(false),
    startAt: instant.optional(),
    deadline: instant.optional(),
    rateLimit: z.strictObject({ sms: rate.optional(), email: rate.optional() }).default({}),
    caps: z.strictObject({ sms: z.array(capRule).optional(), email: z.array(capRule).optional() }).optional(),
    requireApproval: z.boolean().default(false),
    /**
     * Short tracked links (core/links.ts): every http(s) URL of an SMS, and of both parts of an
     * e-mail (except its unsubscribe link), becomes PUBLIC_BASE_URL/l/CODE, which redirects and
     * records a click. Absent = off.
     */
    links: z.strictObject({ track: z.boolean() }).optional(),
    /**
     * Reply keywords this campaign's SMS offer for opting out beyond what their text says (the
     * text's own "回N退订" / "Reply N to opt out" is read from it, core/opt-out-offer.ts). A reply of
     * one of them from a recipient of this campaign's latest message is an opt-out.
     */
    optOutKeywords: z.array(z.string().regex(/^[\p{L}\p{N}]{1,8}$/u, 'must be 1-8 letters or digits')).max(10).optional(),
    /** A journey: several steps, each decided at its own send time (absent: one step, 'main'). */
    steps: z.array(stepSchema).min(1).max(10).optional(),
    /** A journey ends for a contact who ordered (since the previous step) or opted out. */
    exitOn: z.array(z.enum(['purchase', 'opt_out'])).min(1).optional(),
    /** A share of the audience, chosen by a hash of campaign and contact, never messaged (uplift). */
    holdout: z.strictObject({ share: z.number().min(0).max(0.5, 'at most half the audience') }).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.urgent && c.category !== 'transactional')
      ctx.addIssue({ code: 'custom', path: ['urgent'], message: 'only a transactional message can be urgent' });
    if (c.startAt && c.deadline && Date.parse(c.deadline) <= Date.parse(c.startAt))
      ctx.addIssue({ code: 'custom', path: ['deadline'], message: 'must be after startAt' });
    const texts: Array<[string, string]> = [];
    for (const [lang, body] of Object.entries(c.templates.sms ?? {})) texts.push([`templates.sms.${lang}`, body]);
    for (const [lang, t] of Object.entries(c.templates.email ?? {})) for (const [k, v] of Object.entries(t)) texts.push([`templates.email.${lang}.${k}`, v]);
    for (const [path, text] of texts)
      for (const v of templateVariables(text))
        if (!(TEMPLATE_VARIABLES as readonly string[]).includes(v))
          ctx.addIssue({ code: 'custom', path: path.split('.'), message: `unknown variable {{${v}}}; known: ${TEMPLATE_VARIABLES.join(', ')}` });
    // Only the tiers the audience can contain need a template for their channel.
    const needTemplates = (d: Pick<CampaignDefinition, 'category' | 'channels' | 'templates'>, at: string[]) => {
      const channels = channelsOf(d);
      const tiers = c.audience.tiers ?? (Object.keys(channels) as TierName[]);
      for (const ch of new Set(tiers.map((t) => channels[t]))) {
        if (ch === 'sms' && !d.templates.sms) ctx.addIssue({ code: 'custom', path: [...at, 'templates', 'sms'], message: 'a tier of the audience uses sms but there is no sms template' });
        if (ch === 'email' && !d.templates.email) ctx.addIssue({ code: 'custom', path: [...at, 'templates', 'email'], message: 'a tier of the audience uses email but there is no email template' });
      }
    };
    if (!c.steps) needTemplates(c, []);
    const ids = new Set<string>();
    for (const [i, s] of (c.steps ?? []).entries()) {
      if (ids.has(s.id)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'id'], message: `step id ${s.id} is used twice` });
      ids.add(s.id);
      if (i === 0 && s.waitDays !== undefined) ctx.addIssue({ code: 'custom', path: ['steps', 0, 'waitDays'], message: 'the first step starts with the campaign: no waitDays' });
      if (i > 0 && s.waitDays === undefined) ctx.addIssue({ code: 'custom', path: ['steps', i, 'waitDays'], message: 'needs waitDays (days after the previous step)' });
      if (i === 0 && s.audience.noEngagementSinceStep) ctx.addIssue({ code: 'custom', path: ['steps', 0, 'audience'], message: 'the first step has no previous step' });
      needTemplates({ category: c.category, channels: { ...c.channels, ...s.channels }, templates: s.templates ?? c.templates }, ['steps', String(i)]);
    }
  });

export type CampaignDefinition = z.infer<typeof campaignSchema>;
export type TierName = z.infer<typeof tier>;
export type ChannelChoice = z.infer<typeof channel>;

/**
 * The channel per tier: the campaign's choice, else the contact policy's tier channel for
 * marketing; a transactional message goes on its templated channel to every tier.
 */
export function channelsOf(c: Pick<CampaignDefinition, 'category' | 'channels' | 'templates'>): Record<TierName, ChannelChoice> {
  if (c.category === 'transactional') {
    const ch: ChannelChoice = c.templates.sms ? 'sms' : 'email';
    return { A: ch, B: ch, C: ch, D: ch, ...c.channels };
  }
  return { ...tierChannels(CONTACT_POLICY), ...c.channels };
}

export class CampaignDefinitionError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid campaign definition:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'CampaignDefinitionError';
  }
}

export function parseCampaign(raw: unknown): CampaignDefinition {
  const r = campaignSchema.safeParse(raw);
  if (r.success) return r.data;
  throw new CampaignDefinitionError(r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`));
}
