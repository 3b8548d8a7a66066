-- Review verdicts on landing requests (issue #19), in GitHub's terms: each review is on one
-- revision; `approved` and `changes_requested` need write access, `commented` read. A review is
-- dismissed (by hand, or as stale on a new revision whose interdiff since the approved one is
-- not empty: docs/design/landing-requests.md §7) but never deleted.
CREATE TABLE landing_reviews (
  id               BIGSERIAL PRIMARY KEY,
  landing_id       BIGINT NOT NULL REFERENCES landings (issue_id) ON DELETE CASCADE,
  revision         INTEGER NOT NULL CHECK (revision >= 1),
  reviewer_id      BIGINT REFERENCES users (id) ON DELETE SET NULL,
  state            TEXT NOT NULL CHECK (state IN ('approved', 'changes_requested', 'commented',
                     'dismissed')),
  body             TEXT NOT NULL DEFAULT '' CHECK (length(body) <= 65536),
  -- The commit reviewed (the revision's head when the review was submitted).
  commit_oid       TEXT NOT NULL CHECK (commit_oid ~ '^[0-9a-f]{40}$'),
  created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  dismissed_at     TIMESTAMPTZ,
  dismissed_by     BIGINT REFERENCES users (id) ON DELETE SET NULL,
  dismissed_reason TEXT CHECK (length(dismissed_reason) <= 1024),
  -- The verdict before dismissal (a dismissed review keeps what it was).
  dismissed_state  TEXT CHECK (dismissed_state IN ('approved', 'changes_requested'))
);
CREATE INDEX landing_reviews_landing ON landing_reviews (landing_id, id);
