-- Repositories and their collaborators. Git data (refs, packs) lives in the repository's
-- RepoObject and R2; this is only the record and its permissions.
CREATE TABLE repositories (
  id             BIGSERIAL PRIMARY KEY,
  owner_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name           TEXT NOT NULL CHECK (name ~ '^[A-Za-z0-9._-]{1,100}$'),
  description    TEXT NOT NULL DEFAULT '',
  private        BOOLEAN NOT NULL DEFAULT false,
  default_branch TEXT NOT NULL DEFAULT 'main',
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX repositories_owner_name ON repositories (owner_id, lower(name));

CREATE TABLE collaborators (
  repo_id    BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  permission TEXT NOT NULL CHECK (permission IN ('read', 'write', 'admin')),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (repo_id, user_id)
);
CREATE INDEX collaborators_user ON collaborators (user_id);
