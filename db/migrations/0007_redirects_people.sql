-- Renames and transfers, as on GitHub: an old repository name (under its old owner) or an old
-- username keeps leading to what it named, until someone takes the name for something new.
-- Redirects point at ids, so a chain of renames never builds a chain of redirects.
CREATE TABLE repository_redirects (
  owner_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  repo_id    BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX repository_redirects_name ON repository_redirects (owner_id, lower(name));
CREATE INDEX repository_redirects_repo ON repository_redirects (repo_id);

CREATE TABLE user_redirects (
  name       TEXT NOT NULL,
  user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX user_redirects_name ON user_redirects (lower(name));
CREATE INDEX user_redirects_user ON user_redirects (user_id);

-- Whether the user picked their username (new users start with a generated `u-…` one and are
-- asked to choose at first sign-in). Users from before this migration keep theirs.
ALTER TABLE users ADD COLUMN username_chosen BOOLEAN NOT NULL DEFAULT true;

-- Profiles list a user's recent pushes: workflow_events already records them by repository.
CREATE INDEX workflow_events_actor ON workflow_events (actor_id, id DESC) WHERE type = 'push';
