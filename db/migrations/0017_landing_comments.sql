-- Review comments on the code of a landing's revisions, and review requests
-- (docs/design/landing-requests.md §4). A comment is stored where it was written: the revision,
-- the path, the side of that revision's diff (its base or its head), the line range and a hash of
-- the anchored text (engine/port-comment.ts `anchorHash`); it is shown on later revisions by
-- porting and never rewritten. A reply names the thread's first comment (`in_reply_to`) and
-- carries its anchor; a thread's resolved state lives on its first comment.
CREATE TABLE landing_comments (
  id           BIGSERIAL PRIMARY KEY,
  landing_id   BIGINT NOT NULL REFERENCES landings (issue_id) ON DELETE CASCADE,
  revision_id  BIGINT NOT NULL REFERENCES landing_revisions (id) ON DELETE CASCADE,
  in_reply_to  BIGINT REFERENCES landing_comments (id) ON DELETE CASCADE,
  -- The review this comment was written in (landing_reviews; no FK so either may come first).
  review_id    BIGINT,
  path         TEXT NOT NULL CHECK (length(path) BETWEEN 1 AND 4096),
  side         TEXT NOT NULL CHECK (side IN ('base', 'head')),
  start_line   INTEGER NOT NULL CHECK (start_line >= 1),
  end_line     INTEGER NOT NULL CHECK (end_line >= start_line),
  text_hash    TEXT NOT NULL CHECK (text_hash ~ '^[0-9a-f]{40}$'),
  body         TEXT NOT NULL,
  author_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
  resolved_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
  resolved_at  TIMESTAMPTZ,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX landing_comments_landing ON landing_comments (landing_id, id);
CREATE INDEX landing_comments_thread ON landing_comments (in_reply_to) WHERE in_reply_to IS NOT NULL;

-- Reviewers asked to review a landing (GitHub's requested_reviewers).
CREATE TABLE landing_review_requests (
  landing_id   BIGINT NOT NULL REFERENCES landings (issue_id) ON DELETE CASCADE,
  user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  requested_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (landing_id, user_id)
);

-- The timeline learns line comments and review requests.
ALTER TABLE issue_events DROP CONSTRAINT issue_events_event_check;
ALTER TABLE issue_events ADD CONSTRAINT issue_events_event_check CHECK (event IN ('opened',
  'commented', 'labeled', 'unlabeled', 'assigned', 'unassigned', 'milestoned', 'demilestoned',
  'renamed', 'closed', 'reopened', 'referenced', 'cross-referenced', 'locked', 'unlocked',
  'pinned', 'unpinned', 'transferred', 'revision_pushed', 'landed', 'ready_for_review',
  'converted_to_draft', 'target_changed', 'line_commented', 'review_requested',
  'review_request_removed'));
