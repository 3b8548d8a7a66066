-- Workflow events (pushes, manual dispatches) waiting for a runner controller to evaluate the
-- repository's workflow files; the workflows found at the default branch head; commit statuses;
-- repository secrets (AES-GCM ciphertext only). Events are claimed like runs: FOR UPDATE SKIP
-- LOCKED on the partial index of pending events, a lease that expires, lease_epoch fencing.
CREATE TABLE workflow_events (
  id               BIGSERIAL PRIMARY KEY,
  repo_id          BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  type             TEXT NOT NULL CHECK (type ~ '^[a-z_]{1,40}$'),
  ref              TEXT NOT NULL CHECK (length(ref) BETWEEN 1 AND 255),
  before_sha       TEXT CHECK (before_sha ~ '^[0-9a-f]{40}([0-9a-f]{24})?$'),
  after_sha        TEXT NOT NULL CHECK (after_sha ~ '^[0-9a-f]{40}([0-9a-f]{24})?$'),
  actor_id         BIGINT REFERENCES users (id) ON DELETE SET NULL,
  -- Event-specific fields: {workflow, inputs} of a dispatch.
  payload          JSONB NOT NULL DEFAULT '{}',
  status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'claimed', 'done', 'failed')),
  attempt          INTEGER NOT NULL DEFAULT 0,
  lease_owner      TEXT,
  lease_epoch      BIGINT NOT NULL DEFAULT 0,
  lease_expires_at TIMESTAMPTZ,
  error            TEXT,
  created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX workflow_events_pending ON workflow_events (created_at, id) WHERE status = 'pending';
CREATE INDEX workflow_events_leases ON workflow_events (lease_expires_at) WHERE status = 'claimed';
CREATE INDEX workflow_events_repo ON workflow_events (repo_id, id DESC);

-- Workflows defined at the default branch head, from its last evaluation (replaced each time).
CREATE TABLE workflows (
  repo_id    BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  file       TEXT NOT NULL CHECK (length(file) BETWEEN 1 AND 500),
  -- The workflow's name; for a file that failed to evaluate, the file name.
  name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  line       INTEGER,
  triggers   JSONB NOT NULL DEFAULT '[]',
  error      TEXT,
  head_sha   TEXT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (repo_id, file, name)
);

-- Which event started a run, and whose identity the controller fetches the repository with.
ALTER TABLE workflow_runs
  ADD COLUMN event_id BIGINT REFERENCES workflow_events (id) ON DELETE SET NULL,
  ADD COLUMN actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL;

-- GitHub-style commit statuses: every post is a row; the latest per context is the current one.
CREATE TABLE commit_statuses (
  id          BIGSERIAL PRIMARY KEY,
  repo_id     BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  sha         TEXT NOT NULL CHECK (sha ~ '^[0-9a-f]{40}([0-9a-f]{24})?$'),
  state       TEXT NOT NULL CHECK (state IN ('pending', 'success', 'failure', 'error')),
  context     TEXT NOT NULL CHECK (length(context) BETWEEN 1 AND 255),
  description TEXT CHECK (length(description) <= 1000),
  target_url  TEXT CHECK (length(target_url) <= 2000),
  creator_id  BIGINT REFERENCES users (id) ON DELETE SET NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX commit_statuses_sha ON commit_statuses (repo_id, sha, id DESC);

-- Repository secrets: base64(iv ‖ AES-256-GCM ciphertext) under the Worker's PLUE_SECRETS_KEY.
CREATE TABLE repo_secrets (
  repo_id    BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  name       TEXT NOT NULL CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_]{0,99}$'),
  value_enc  TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (repo_id, name)
);
