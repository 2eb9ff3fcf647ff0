import type { Pool } from '../db/pool';
import { createSmokeActivities } from './smoke';

/** Everything an activity may touch, passed in by the worker (tests pass real local parts). */
export interface ActivityDeps {
  pool: Pool;
}

export const createActivities = (deps: ActivityDeps) => ({
  ...createSmokeActivities(deps),
});

export type Activities = ReturnType<typeof createActivities>;
