-- The land loop (issue #19).
--
-- The timeline learns `review_dismissed` (GitHub's event of that name): an approval dismissed by
-- hand, or as stale when a new revision arrives and the branch's rule dismisses stale approvals.
ALTER TABLE issue_events DROP CONSTRAINT issue_events_event_check;
ALTER TABLE issue_events ADD CONSTRAINT issue_events_event_check CHECK (event IN ('opened',
  'commented', 'labeled', 'unlabeled', 'assigned', 'unassigned', 'milestoned', 'demilestoned',
  'renamed', 'closed', 'reopened', 'referenced', 'cross-referenced', 'locked', 'unlocked',
  'pinned', 'unpinned', 'transferred', 'revision_pushed', 'landed', 'ready_for_review',
  'converted_to_draft', 'target_changed', 'line_commented', 'review_requested',
  'review_request_removed', 'review_dismissed'));

-- The last mergeability answer of each landing: the three-way tree merge of (base, target tip,
-- head) never changes for the same three commits, so the page and the API answer from here while
-- the key matches and compute (and replace the row) when the landing or its target moved. One row
-- per landing: the table never outgrows the landings.
CREATE TABLE landing_mergeability (
  landing_id  BIGINT PRIMARY KEY REFERENCES landings (issue_id) ON DELETE CASCADE,
  target_oid  TEXT NOT NULL CHECK (target_oid ~ '^[0-9a-f]{40}$'),
  base_oid    TEXT NOT NULL CHECK (base_oid ~ '^[0-9a-f]{40}$'),
  head_oid    TEXT NOT NULL CHECK (head_oid ~ '^[0-9a-f]{40}$'),
  clean       BOOLEAN NOT NULL,
  -- [{path, kind}] per conflicting file.
  conflicts   JSONB NOT NULL DEFAULT '[]',
  computed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
