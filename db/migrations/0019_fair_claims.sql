-- Fair claims (issue #21): the event and run queues are served round-robin, by owner and then by
-- repository: a claim takes the oldest item of the repository (of the owner) served least
-- recently. `claim_turns` records when each owner and repository was last served per queue, as a
-- number from one sequence (strictly ordered, unlike timestamps). Per-repository limits count
-- the repository's items in progress through the partial indexes below.
CREATE SEQUENCE claim_turns_seq;
CREATE TABLE claim_turns (
  queue  TEXT NOT NULL CHECK (queue IN ('workflow_events', 'workflow_runs')),
  -- 'r<repo id>' or 'u<owner id>'.
  key    TEXT NOT NULL CHECK (key ~ '^[ru][0-9]{1,20}$'),
  served BIGINT NOT NULL,
  PRIMARY KEY (queue, key)
);
-- The head of each repository's queue, and each repository's items in progress.
CREATE INDEX workflow_events_repo_pending ON workflow_events (repo_id, created_at, id)
  WHERE status = 'pending';
CREATE INDEX workflow_events_repo_claimed ON workflow_events (repo_id) WHERE status = 'claimed';
CREATE INDEX workflow_runs_repo_queued ON workflow_runs (repo_id, created_at, id)
  WHERE status = 'queued';
CREATE INDEX workflow_runs_repo_running ON workflow_runs (repo_id) WHERE status = 'running';
