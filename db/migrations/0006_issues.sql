-- Issues and what hangs off them: comments with edit history, labels, milestones, assignees,
-- mentions, reactions and one timeline of events per issue. Issue numbers come from a counter
-- on the repository (`next_number`), shared with landing requests later, as on GitHub.
ALTER TABLE repositories ADD COLUMN next_number BIGINT NOT NULL DEFAULT 1;

CREATE TABLE labels (
  id          BIGSERIAL PRIMARY KEY,
  repo_id     BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
  color       TEXT NOT NULL CHECK (color ~ '^[0-9a-f]{6}$'),
  description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 100),
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX labels_repo_name ON labels (repo_id, lower(name));

-- GitHub's default labels, for every repository (existing ones now, new ones by trigger).
CREATE FUNCTION plue_default_labels() RETURNS trigger AS $$
BEGIN
  INSERT INTO labels (repo_id, name, color, description) VALUES
    (NEW.id, 'bug', 'd73a4a', 'Something isn''t working'),
    (NEW.id, 'documentation', '0075ca', 'Improvements or additions to documentation'),
    (NEW.id, 'duplicate', 'cfd3d7', 'This issue or pull request already exists'),
    (NEW.id, 'enhancement', 'a2eeef', 'New feature or request'),
    (NEW.id, 'good first issue', '7057ff', 'Good for newcomers'),
    (NEW.id, 'help wanted', '008672', 'Extra attention is needed'),
    (NEW.id, 'invalid', 'e4e669', 'This doesn''t seem right'),
    (NEW.id, 'question', 'd876e3', 'Further information is requested'),
    (NEW.id, 'wontfix', 'ffffff', 'This will not be worked on')
  ON CONFLICT DO NOTHING;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER repositories_default_labels AFTER INSERT ON repositories
  FOR EACH ROW EXECUTE FUNCTION plue_default_labels();
INSERT INTO labels (repo_id, name, color, description)
  SELECT r.id, d.name, d.color, d.description FROM repositories r CROSS JOIN (VALUES
    ('bug', 'd73a4a', 'Something isn''t working'),
    ('documentation', '0075ca', 'Improvements or additions to documentation'),
    ('duplicate', 'cfd3d7', 'This issue or pull request already exists'),
    ('enhancement', 'a2eeef', 'New feature or request'),
    ('good first issue', '7057ff', 'Good for newcomers'),
    ('help wanted', '008672', 'Extra attention is needed'),
    ('invalid', 'e4e669', 'This doesn''t seem right'),
    ('question', 'd876e3', 'Further information is requested'),
    ('wontfix', 'ffffff', 'This will not be worked on')) AS d (name, color, description)
  ON CONFLICT DO NOTHING;

CREATE TABLE milestones (
  id          BIGSERIAL PRIMARY KEY,
  repo_id     BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  number      BIGINT NOT NULL,
  title       TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
  description TEXT NOT NULL DEFAULT '',
  state       TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
  due_on      TIMESTAMPTZ,
  creator_id  BIGINT REFERENCES users (id) ON DELETE SET NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  closed_at   TIMESTAMPTZ,
  UNIQUE (repo_id, number)
);
CREATE UNIQUE INDEX milestones_repo_title ON milestones (repo_id, lower(title));

CREATE TABLE issues (
  id             BIGSERIAL PRIMARY KEY,
  repo_id        BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  number         BIGINT NOT NULL,
  author_id      BIGINT REFERENCES users (id) ON DELETE SET NULL,
  title          TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 256),
  body           TEXT NOT NULL DEFAULT '' CHECK (length(body) <= 65536),
  state          TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
  state_reason   TEXT CHECK (state_reason IN ('completed', 'not_planned', 'reopened')),
  locked         BOOLEAN NOT NULL DEFAULT false,
  lock_reason    TEXT CHECK (lock_reason IN ('off-topic', 'too heated', 'resolved', 'spam')),
  pinned_at      TIMESTAMPTZ,
  milestone_id   BIGINT REFERENCES milestones (id) ON DELETE SET NULL,
  comments_count INTEGER NOT NULL DEFAULT 0,
  closed_by_id   BIGINT REFERENCES users (id) ON DELETE SET NULL,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  closed_at      TIMESTAMPTZ,
  -- Free-text search over title (weight A) and body (weight B).
  search         TSVECTOR GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B')
  ) STORED,
  UNIQUE (repo_id, number)
);
CREATE INDEX issues_search ON issues USING GIN (search);
CREATE INDEX issues_repo_state_updated ON issues (repo_id, state, updated_at DESC, id DESC);
CREATE INDEX issues_repo_state_created ON issues (repo_id, state, created_at DESC, id DESC);
CREATE INDEX issues_repo_author ON issues (repo_id, author_id);
-- Milestone progress counts open and closed issues from this index alone.
CREATE INDEX issues_milestone ON issues (milestone_id, state) WHERE milestone_id IS NOT NULL;
CREATE INDEX issues_pinned ON issues (repo_id) WHERE pinned_at IS NOT NULL;

CREATE TABLE issue_labels (
  issue_id BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  label_id BIGINT NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
  PRIMARY KEY (issue_id, label_id)
);
CREATE INDEX issue_labels_label ON issue_labels (label_id);

CREATE TABLE issue_assignees (
  issue_id BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  user_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  PRIMARY KEY (issue_id, user_id)
);
CREATE INDEX issue_assignees_user ON issue_assignees (user_id);

-- Users @mentioned in an issue's body or comments (the `mentions:` qualifier).
CREATE TABLE issue_mentions (
  issue_id BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  user_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  PRIMARY KEY (issue_id, user_id)
);
CREATE INDEX issue_mentions_user ON issue_mentions (user_id);

CREATE TABLE issue_comments (
  id         BIGSERIAL PRIMARY KEY,
  issue_id   BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  author_id  BIGINT REFERENCES users (id) ON DELETE SET NULL,
  body       TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 65536),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX issue_comments_issue ON issue_comments (issue_id, id);

-- Earlier versions of an issue body (comment_id NULL) or of a comment, kept on every edit.
CREATE TABLE issue_edits (
  id          BIGSERIAL PRIMARY KEY,
  issue_id    BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  comment_id  BIGINT REFERENCES issue_comments (id) ON DELETE CASCADE,
  editor_id   BIGINT REFERENCES users (id) ON DELETE SET NULL,
  body_before TEXT NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX issue_edits_target ON issue_edits (issue_id, comment_id, id);

CREATE TABLE issue_reactions (
  id         BIGSERIAL PRIMARY KEY,
  issue_id   BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  comment_id BIGINT REFERENCES issue_comments (id) ON DELETE CASCADE,
  user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  content    TEXT NOT NULL
    CHECK (content IN ('+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes')),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX issue_reactions_once
  ON issue_reactions (issue_id, COALESCE(comment_id, 0), user_id, content);

-- The timeline: every change to an issue, with its actor and time. `data` holds the event's
-- details (label, assignee, milestone, rename, close reason, lock reason, reference source).
CREATE TABLE issue_events (
  id         BIGSERIAL PRIMARY KEY,
  issue_id   BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  actor_id   BIGINT REFERENCES users (id) ON DELETE SET NULL,
  event      TEXT NOT NULL CHECK (event IN ('opened', 'commented', 'labeled', 'unlabeled',
    'assigned', 'unassigned', 'milestoned', 'demilestoned', 'renamed', 'closed', 'reopened',
    'referenced', 'cross-referenced', 'locked', 'unlocked', 'pinned', 'unpinned', 'transferred')),
  data       JSONB NOT NULL DEFAULT '{}',
  -- For `referenced`/`cross-referenced`: the repository the reference came from, so it is shown
  -- only to viewers who can read that repository.
  source_repo_id BIGINT REFERENCES repositories (id) ON DELETE CASCADE,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX issue_events_issue ON issue_events (issue_id, id);

-- Where a transferred issue went: its old repository and number lead to it (URLs redirect).
CREATE TABLE issue_transfers (
  from_repo_id BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  from_number  BIGINT NOT NULL,
  issue_id     BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (from_repo_id, from_number)
);
