-- Landing requests (Plue's pull requests). As on GitHub, a landing request IS an issue of another
-- kind: it takes its number from the same counter, and comments, labels, assignees, mentions,
-- reactions, the timeline and notifications are the issue machinery's. `landings` holds what only
-- a landing has; `landing_revisions` every version of it that was pushed
-- (docs/design/landing-requests.md).
ALTER TABLE issues ADD COLUMN kind TEXT NOT NULL DEFAULT 'issue'
  CHECK (kind IN ('issue', 'landing'));
CREATE INDEX issues_repo_kind_state ON issues (repo_id, kind, state);

CREATE TABLE landings (
  issue_id      BIGINT PRIMARY KEY REFERENCES issues (id) ON DELETE CASCADE,
  repo_id       BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  number        BIGINT NOT NULL,
  -- The branch the change lands on (a name under refs/heads/).
  target_branch TEXT NOT NULL CHECK (length(target_branch) BETWEEN 1 AND 255),
  -- Opened from a branch: its name (pushing it adds a revision, GitHub's `synchronize`).
  source_branch TEXT CHECK (length(source_branch) BETWEEN 1 AND 255),
  -- Opened from a change: its jj change id (32 chars k–z) or a Gerrit `I…` id. A landing is
  -- keyed by (repository, target branch, change id), as on Gerrit.
  change_id     TEXT CHECK (change_id ~ '^([k-z]{32}|I[0-9a-f]{40})$'),
  topic         TEXT CHECK (length(topic) BETWEEN 1 AND 255),
  draft         BOOLEAN NOT NULL DEFAULT false,
  state         TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed', 'landed')),
  created_by    BIGINT REFERENCES users (id) ON DELETE SET NULL,
  landed_by     BIGINT REFERENCES users (id) ON DELETE SET NULL,
  landed_at     TIMESTAMPTZ,
  -- The commit the target branch moved to when it landed.
  landed_oid    TEXT CHECK (landed_oid ~ '^[0-9a-f]{40}$'),
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  CHECK (source_branch IS NOT NULL OR change_id IS NOT NULL),
  UNIQUE (repo_id, number)
);
-- One open landing per change and target: a push of the same change is a new revision.
CREATE UNIQUE INDEX landings_open_change ON landings (repo_id, target_branch, change_id)
  WHERE change_id IS NOT NULL AND state = 'open';
CREATE INDEX landings_open_source ON landings (repo_id, source_branch)
  WHERE source_branch IS NOT NULL AND state = 'open';
CREATE INDEX landings_repo_state ON landings (repo_id, state, number DESC);

-- Every pushed version of a landing. Its commits are base_oid..head_oid: base_oid is the merge
-- base with the target, or, for a change stacked on another landing's change, its parent.
-- Each revision stays reachable under refs/landings/<number>/<revision>.
CREATE TABLE landing_revisions (
  id               BIGSERIAL PRIMARY KEY,
  landing_id       BIGINT NOT NULL REFERENCES landings (issue_id) ON DELETE CASCADE,
  number           INTEGER NOT NULL CHECK (number >= 1),
  head_oid         TEXT NOT NULL CHECK (head_oid ~ '^[0-9a-f]{40}$'),
  base_oid         TEXT NOT NULL CHECK (base_oid ~ '^[0-9a-f]{40}$'),
  -- The target branch's tip when this revision was pushed.
  target_oid       TEXT NOT NULL CHECK (target_oid ~ '^[0-9a-f]{40}$'),
  -- The change id of the head commit, and of its parent when that is another landing's change.
  change_id        TEXT,
  parent_change_id TEXT,
  pusher_id        BIGINT REFERENCES users (id) ON DELETE SET NULL,
  created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (landing_id, number)
);

-- The timeline learns a landing's own events (GitHub's head_ref_force_pushed, merged,
-- ready_for_review, convert_to_draft, base_ref_changed).
ALTER TABLE issue_events DROP CONSTRAINT issue_events_event_check;
ALTER TABLE issue_events ADD CONSTRAINT issue_events_event_check CHECK (event IN ('opened',
  'commented', 'labeled', 'unlabeled', 'assigned', 'unassigned', 'milestoned', 'demilestoned',
  'renamed', 'closed', 'reopened', 'referenced', 'cross-referenced', 'locked', 'unlocked',
  'pinned', 'unpinned', 'transferred', 'revision_pushed', 'landed', 'ready_for_review',
  'converted_to_draft', 'target_changed'));
