-- Notifications: one thread per (user, issue) with why the user is notified (GitHub's reasons),
-- read or unread, when it last changed and by whom; per-repository watch settings; and thread
-- subscriptions (participants of an issue, or users who unsubscribed from it).

-- Absent row: 'participating' (notified only about threads one takes part in, and mentions).
CREATE TABLE repository_watches (
  user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  repo_id    BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  level      TEXT NOT NULL CHECK (level IN ('watching', 'participating', 'ignoring')),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, repo_id)
);
-- Who watches a repository (all activity) or ignores it, when an issue changes.
CREATE INDEX repository_watches_repo ON repository_watches (repo_id, level);

-- Participants of an issue (author, commenters, assignees, mentioned, or manual), and users who
-- unsubscribed (subscribed = false: no more notifications from the thread until mentioned or
-- assigned again, or until they comment).
CREATE TABLE issue_subscriptions (
  issue_id   BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  subscribed BOOLEAN NOT NULL,
  reason     TEXT NOT NULL CHECK (reason IN ('author', 'comment', 'mention', 'assign', 'manual')),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (issue_id, user_id)
);
CREATE INDEX issue_subscriptions_user ON issue_subscriptions (user_id);

CREATE TABLE notification_threads (
  id              BIGSERIAL PRIMARY KEY,
  user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  issue_id        BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  reason          TEXT NOT NULL CHECK (reason IN ('mention', 'assign', 'comment', 'author',
    'subscribed', 'manual', 'state_change', 'review_requested')),
  unread          BOOLEAN NOT NULL DEFAULT true,
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_read_at    TIMESTAMPTZ,
  last_actor_id   BIGINT REFERENCES users (id) ON DELETE SET NULL,
  -- What happened last (opened, commented, closed, reopened, assigned, mentioned).
  last_event      TEXT NOT NULL,
  last_comment_id BIGINT REFERENCES issue_comments (id) ON DELETE SET NULL,
  UNIQUE (user_id, issue_id)
);
CREATE INDEX notification_threads_user ON notification_threads (user_id, updated_at DESC, id DESC);
-- The inbox page: unread first, then newest.
CREATE INDEX notification_threads_inbox
  ON notification_threads (user_id, unread DESC, updated_at DESC, id DESC);
-- The header's unread counter and the unread filter read only this.
CREATE INDEX notification_threads_unread ON notification_threads (user_id, updated_at DESC)
  WHERE unread;
CREATE INDEX notification_threads_issue ON notification_threads (issue_id);
