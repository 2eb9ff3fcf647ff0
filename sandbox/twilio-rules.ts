/**
 * Scripted outcomes of the local Twilio-shaped server, per destination number.
 *
 * A rule matches by exact number (`to`) or by trailing digits (`toEndsWith`), or every number
 * when both are absent. The first rule that matches and is not used up decides everything about
 * a message; unset fields take the defaults (delivered, default delays). Examples:
 *
 *   { toEndsWith: '13', errorCode: 30003 }                  -> queued, sent, undelivered 30003
 *   { to: '+447700900005', outcome: 'undelivered', errorCode: 30005 }
 *   { toEndsWith: '99', reject: { code: 21610 } }           -> API answers 400 21610, nothing recorded
 *   { to: '+15551230001', loseResponse: 'reset', times: 1 } -> recorded, then the connection drops
 *   { delaysMs: { sent: 300, final: 50 } }                  -> final callback before the sent one
 *   { toEndsWith: '42', reply: { body: 'Y', afterMs: 100 } } -> the handset answers after delivery
 *   { to: '+12125555555', lineType: 'landline' }           -> Lookup says landline; messages undelivered 30006
 *   { toEndsWith: '77', dropCallbacks: ['delivered'] }       -> delivered, but its final callback is never sent
 *
 * Lookup (GET /v2/PhoneNumbers/{n}) reads the same rules (RuleBook.carrierView), so a number is
 * the same handset to both APIs: the rule a message to it would take next, without using it up.
 */
import { z } from 'zod';

const ms = z.number().int().min(0).max(3_600_000);

/** Line Type Intelligence `type` values (Twilio Lookup v2). */
export const LOOKUP_LINE_TYPES = ['mobile', 'landline', 'fixedVoip', 'nonFixedVoip', 'personal', 'tollFree', 'premium', 'sharedCost', 'uan', 'voicemail', 'pager', 'unknown'] as const;
/** Line Status `status` values (Twilio Lookup v2). */
export const LOOKUP_LINE_STATUSES = ['active', 'inactive', 'reachable', 'unreachable', 'unknown'] as const;
export type LookupLineType = (typeof LOOKUP_LINE_TYPES)[number];
export type LookupLineStatus = (typeof LOOKUP_LINE_STATUSES)[number];

/**
 * What the sandbox's carrier says of a number on Lookup: its line type, its line status, and a
 * Line Type Intelligence error code (60610: not provisioned with any carrier).
 */
export interface CarrierView {
  lineType: LookupLineType | null;
  lineStatus: LookupLineStatus;
  ltiErrorCode: number | null;
}

export const sandboxRuleSchema = z
  .object({
    /** Exact E.164 destination. */
    to: z.string().regex(/^\+[1-9]\d{1,14}$/, 'must be E.164').optional(),
    /** Destination ends with these digits. */
    toEndsWith: z.string().regex(/^\d+$/, 'must be digits').optional(),
    /** The rule applies to the first N matching messages, then is skipped. */
    times: z.number().int().positive().optional(),
    /** Refuse the API call with this Twilio error (status 400 unless given); nothing is recorded. */
    reject: z
      .object({ code: z.number().int().positive(), status: z.number().int().min(400).max(599).optional(), message: z.string().optional() })
      .optional(),
    /**
     * Accept and record the message, then give no response: 'reset' drops the connection,
     * 'hang' never answers (the client times out). Callbacks still follow: the message exists.
     */
    loseResponse: z.enum(['reset', 'hang']).optional(),
    /** Final status; `errorCode` alone implies 'undelivered'. */
    outcome: z.enum(['delivered', 'undelivered', 'failed']).optional(),
    errorCode: z.number().int().positive().optional(),
    /** Milliseconds after acceptance at which each status callback fires (independent, so they can cross). */
    delaysMs: z.object({ queued: ms.optional(), sent: ms.optional(), final: ms.optional() }).optional(),
    /**
     * The status callbacks of these statuses are never sent (the provider lost them); the message
     * still takes the status, so fetching it (GET /Messages/{Sid}.json) shows it.
     */
    dropCallbacks: z.array(z.enum(['queued', 'sent', 'delivered', 'undelivered', 'failed'])).min(1).optional(),
    /** After delivery, the recipient answers with this text (an inbound message to the webhook). */
    reply: z.object({ body: z.string().min(1), afterMs: ms.optional() }).optional(),
    /** What Lookup's Line Type Intelligence reports (Twilio's values); `landline` alone also fails messages with 30006. */
    lineType: z.enum(LOOKUP_LINE_TYPES).optional(),
    /** What Lookup's Line Status reports; by default derived from errorCode (30005 inactive, 30003 unreachable). */
    lineStatus: z.enum(LOOKUP_LINE_STATUSES).optional(),
  })
  .strict();

export type SandboxRule = z.input<typeof sandboxRuleSchema>;
export const sandboxRulesSchema = z.array(sandboxRuleSchema);

export interface Delays {
  queued: number;
  sent: number;
  final: number;
}

export const DEFAULT_DELAYS: Readonly<Delays> = { queued: 0, sent: 20, final: 40 };

/** What happens to one accepted message. */
export interface Script {
  outcome: 'delivered' | 'undelivered' | 'failed';
  errorCode: number | null;
  delays: Delays;
  loseResponse: 'reset' | 'hang' | null;
  reply: { body: string; afterMs: number } | null;
  /** Statuses whose callback is not sent. */
  dropCallbacks: readonly string[];
}

export type Verdict = { reject: { code: number; status: number; message: string | undefined } } | { script: Script };

/** Validates rules (throws a ZodError with the problems) and keeps their use counters. */
export class RuleBook {
  private rules: SandboxRule[] = [];
  private used: number[] = [];
  constructor(
    rules: readonly SandboxRule[] = [],
    private readonly defaults: Delays = DEFAULT_DELAYS,
  ) {
    this.set(rules);
  }

  set(rules: readonly SandboxRule[]): void {
    this.rules = sandboxRulesSchema.parse(rules);
    this.used = this.rules.map(() => 0);
  }

  list(): SandboxRule[] {
    return this.rules.map((r) => structuredClone(r));
  }

  /** The rule a message to `to` takes next (index -1: none). */
  private match(to: string): number {
    return this.rules.findIndex(
      (r, i) =>
        (r.to === undefined || r.to === to) &&
        (r.toEndsWith === undefined || to.endsWith(r.toEndsWith)) &&
        (r.times === undefined || (this.used[i] ?? 0) < r.times),
    );
  }

  /**
   * The carrier's view of `to` for Lookup, from the rule its next message would take (not counted
   * as a use): 30005 (unknown handset) or 21211 (invalid number) -> not provisioned, inactive;
   * 30003 (unreachable handset) -> unreachable; 30006 / 21614 or a landline rule -> landline;
   * anything else, or no rule -> a reachable mobile.
   */
  carrierView(to: string): CarrierView {
    const rule = this.rules[this.match(to)];
    const code = rule?.errorCode ?? rule?.reject?.code;
    const dead = code === 30005 || code === 21211;
    const lineType = rule?.lineType ?? (dead ? null : code === 30006 || code === 21614 ? 'landline' : 'mobile');
    const lineStatus = rule?.lineStatus ?? (dead ? 'inactive' : code === 30003 ? 'unreachable' : 'active');
    return { lineType, lineStatus, ltiErrorCode: lineType === null ? 60610 : null };
  }

  /** Picks the rule for a message to `to` and counts one use of it. */
  decide(to: string): Verdict {
    const index = this.match(to);
    const rule = index >= 0 ? this.rules[index] : undefined;
    if (index >= 0) this.used[index] = (this.used[index] ?? 0) + 1;
    if (rule?.reject) return { reject: { code: rule.reject.code, status: rule.reject.status ?? 400, message: rule.reject.message } };
    const landline = rule?.lineType === 'landline' && rule.errorCode === undefined && rule.outcome === undefined;
    const outcome = rule?.outcome ?? (rule?.errorCode !== undefined || landline ? 'undelivered' : 'delivered');
    return {
      script: {
        outcome,
        // A failure always carries a code: 30008 "Unknown error" when the rule names none.
        errorCode: outcome === 'delivered' ? null : (rule?.errorCode ?? (landline ? 30006 : 30008)),
        delays: { ...this.defaults, ...rule?.delaysMs },
        loseResponse: rule?.loseResponse ?? null,
        reply: rule?.reply ? { body: rule.reply.body, afterMs: rule.reply.afterMs ?? 0 } : null,
        dropCallbacks: rule?.dropCallbacks ?? [],
      },
    };
  }
}
