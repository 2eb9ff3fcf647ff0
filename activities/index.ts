import type { NumberLookup } from '../channels/number-lookup';
import { CURRENT_SCORE_POLICY, type ScorePolicy } from '../core/score-policy';
import { createSandboxLookup } from '../channels/sandbox-lookup';
import { createSandboxEmailSender } from '../channels/sandbox-email';
import { createSandboxSmsSender } from '../channels/sandbox-sms';
import type { Pool } from '../db/pool';
import type { EmailSender } from '../channels/email';
import type { SmsSender } from '../channels/sms';
import { createCampaignActivities } from './campaign';
import { createEventActivities } from './event-import';
import { createIntakeActivities } from './intake';
import { createLedgerSweepActivities } from './ledger-sweep';
import { createRecheckActivities } from './recheck';
import { createRetentionActivities } from './retention';
import { createNumberChangeActivities } from './number-change';
import { createRecoveryActivities } from './recovery';
import { createScheduledRunActivities } from './scheduled-runs';
import { createSmokeActivities } from './smoke';

/** Everything an activity may touch, passed in by the worker (tests pass real local parts). */
export interface ActivityDeps {
  pool: Pool;
  lookup: NumberLookup;
  policy: ScorePolicy;
  /** The clock of every activity; tests pin it or give the time-skipping server's. */
  now: () => Date | Promise<Date>;
  sms: SmsSender;
  email: EmailSender;
  /** Where Twilio callbacks and unsubscribe links point. */
  publicBaseUrl: string;
  /** Signs unsubscribe links. */
  signingSecret: string;
  /** Operational log lines (masked numbers only). */
  log: (message: string) => void;
  /** The lease of a send attempt (activities/send-attempt.ts): longer than sms/email callTimeoutMs. */
  sendLeaseMs: number;
}

/** SEND_LEASE's default (infra/config-schema.ts). */
export const DEFAULT_SEND_LEASE_MS = 45_000;

export const createActivities = (deps: ActivityDeps) => ({
  ...createSmokeActivities(deps),
  ...createIntakeActivities(deps),
  ...createCampaignActivities(deps),
  ...createEventActivities(deps),
  ...createRecheckActivities(deps),
  ...createRecoveryActivities(deps),
  ...createNumberChangeActivities(deps),
  ...createScheduledRunActivities(deps),
  ...createLedgerSweepActivities(deps),
  ...createRetentionActivities(deps),
});

export type Activities = ReturnType<typeof createActivities>;

/**
 * The embedded default's dependencies: the in-process sandbox carrier (answers from the sandbox rules; the worker replaces it as LOOKUP_PROVIDER says), the current score policy, the real clock, and
 * in-process recording channels (the worker replaces them with Twilio/SMTP senders as configured).
 */
export const defaultActivityDeps = (pool: Pool, overrides: Partial<ActivityDeps> = {}): ActivityDeps => ({
  pool,
  lookup: createSandboxLookup(),
  policy: CURRENT_SCORE_POLICY,
  now: () => new Date(),
  sms: createSandboxSmsSender(),
  email: createSandboxEmailSender('reachloop@example.com'),
  publicBaseUrl: 'http://127.0.0.1:8080',
  signingSecret: 'embedded-default-signing-secret',
  log: () => {},
  sendLeaseMs: DEFAULT_SEND_LEASE_MS,
  ...overrides,
});
