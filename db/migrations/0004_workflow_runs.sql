-- Workflow runs and their steps. A run is queued when an event matches a workflow, claimed by a
-- runner controller with a lease (FOR UPDATE SKIP LOCKED on the partial index of queued runs;
-- lease_epoch fences writes of a controller that lost its lease), and completed with a
-- conclusion. Its log lives in the run's RunStream Durable Object while live and in R2
-- (runs/<id>/…) afterwards; only byte counts are kept here.
CREATE TABLE workflow_runs (
  id                  BIGSERIAL PRIMARY KEY,
  repo_id             BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  -- 1, 2, 3… per repository (GitHub's run_number), allocated from workflow_run_counters.
  run_number          INTEGER NOT NULL CHECK (run_number > 0),
  workflow_name       TEXT NOT NULL CHECK (length(workflow_name) BETWEEN 1 AND 200),
  workflow_file       TEXT NOT NULL DEFAULT '' CHECK (length(workflow_file) <= 500),
  event               TEXT NOT NULL CHECK (event ~ '^[a-z_]{1,40}$'),
  head_sha            TEXT NOT NULL CHECK (head_sha ~ '^[0-9a-f]{40}([0-9a-f]{24})?$'),
  head_branch         TEXT CHECK (length(head_branch) <= 255),
  status              TEXT NOT NULL DEFAULT 'queued'
                        CHECK (status IN ('queued', 'running', 'completed')),
  conclusion          TEXT CHECK (conclusion IN
                        ('success', 'failure', 'cancelled', 'skipped', 'timed_out')),
  plan                JSONB,
  attempt             INTEGER NOT NULL DEFAULT 1 CHECK (attempt > 0),
  lease_owner         TEXT,
  lease_epoch         BIGINT NOT NULL DEFAULT 0,
  lease_expires_at    TIMESTAMPTZ,
  cancel_requested_at TIMESTAMPTZ,
  -- SHA-256 (hex) of the run-scoped token the producer presents; the token itself is never stored.
  token_hash          TEXT NOT NULL CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  log_bytes           BIGINT NOT NULL DEFAULT 0,
  log_archived_at     TIMESTAMPTZ,
  created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
  started_at          TIMESTAMPTZ,
  completed_at        TIMESTAMPTZ,
  CHECK ((status = 'completed') = (conclusion IS NOT NULL)),
  CHECK (status <> 'completed' OR completed_at IS NOT NULL),
  UNIQUE (repo_id, run_number)
);
-- The repository's run list, newest first.
CREATE INDEX workflow_runs_repo_id ON workflow_runs (repo_id, id DESC);
-- Runs of a commit (commit statuses, landing requests).
CREATE INDEX workflow_runs_repo_sha ON workflow_runs (repo_id, head_sha);
-- The claim queue (oldest first) and the lease sweeper.
CREATE INDEX workflow_runs_queued ON workflow_runs (created_at, id) WHERE status = 'queued';
CREATE INDEX workflow_runs_leases ON workflow_runs (lease_expires_at) WHERE status = 'running';

CREATE TABLE workflow_run_counters (
  repo_id     BIGINT PRIMARY KEY REFERENCES repositories (id) ON DELETE CASCADE,
  last_number INTEGER NOT NULL
);

CREATE TABLE workflow_steps (
  run_id       BIGINT NOT NULL REFERENCES workflow_runs (id) ON DELETE CASCADE,
  step_id      TEXT NOT NULL CHECK (step_id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$'),
  -- Order of the step in the plan (display order).
  position     INTEGER NOT NULL,
  name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  type         TEXT NOT NULL DEFAULT 'run' CHECK (type ~ '^[a-z_]{1,20}$'),
  depends_on   TEXT[] NOT NULL DEFAULT '{}',
  status       TEXT NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'running', 'completed')),
  conclusion   TEXT CHECK (conclusion IN
                 ('success', 'failure', 'cancelled', 'skipped', 'timed_out')),
  exit_code    INTEGER,
  started_at   TIMESTAMPTZ,
  completed_at TIMESTAMPTZ,
  log_bytes    BIGINT NOT NULL DEFAULT 0,
  CHECK ((status = 'completed') = (conclusion IS NOT NULL)),
  PRIMARY KEY (run_id, step_id)
);
