-- Foundation: the smoke flow's table, proving a workflow's activities reach PostgreSQL.
CREATE TABLE smoke_runs (
  id          bigserial PRIMARY KEY,
  workflow_id text NOT NULL,
  label       text NOT NULL,
  step        text NOT NULL CHECK (step IN ('started', 'finished')),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workflow_id, step)
);
