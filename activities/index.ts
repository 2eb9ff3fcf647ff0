import type { NumberLookup } from '../channels/number-lookup';
import { SCORE_POLICY_V1, type ScorePolicy } from '../core/score';
import { createSandboxLookup } from '../channels/sandbox-lookup';
import type { Pool } from '../db/pool';
import { createIntakeActivities } from './intake';
import { createSmokeActivities } from './smoke';

/** Everything an activity may touch, passed in by the worker (tests pass real local parts). */
export interface ActivityDeps {
  pool: Pool;
  lookup: NumberLookup;
  policy: ScorePolicy;
  /** The clock; tests may pin it. */
  now: () => Date;
}

export const createActivities = (deps: ActivityDeps) => ({
  ...createSmokeActivities(deps),
  ...createIntakeActivities(deps),
});

export type Activities = ReturnType<typeof createActivities>;

/** The embedded default's dependencies: sandbox carrier lookup, policy v1, the real clock. */
export const defaultActivityDeps = (pool: Pool, overrides: Partial<ActivityDeps> = {}): ActivityDeps => ({
  pool,
  lookup: createSandboxLookup(),
  policy: SCORE_POLICY_V1,
  now: () => new Date(),
  ...overrides,
});
