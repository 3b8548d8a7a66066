-- Sessions, personal access tokens and SSH keys. Secrets are never stored: sessions and tokens
-- are looked up by the SHA-256 of the random value the client holds.
CREATE TABLE sessions (
  -- hex SHA-256 of the cookie's random token
  id          TEXT PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
  user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  expires_at  TIMESTAMPTZ NOT NULL,
  revoked_at  TIMESTAMPTZ,
  user_agent  TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE personal_access_tokens (
  id           BIGSERIAL PRIMARY KEY,
  user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  -- hex SHA-256 of the whole token string (`plue_pat_…`)
  token_hash   TEXT NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  scopes       TEXT[] NOT NULL
    CHECK (scopes <@ ARRAY['repo:read', 'repo:write', 'admin']::TEXT[]),
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  expires_at   TIMESTAMPTZ,
  last_used_at TIMESTAMPTZ,
  revoked_at   TIMESTAMPTZ
);
CREATE INDEX personal_access_tokens_user ON personal_access_tokens (user_id);

CREATE TABLE ssh_keys (
  id           BIGSERIAL PRIMARY KEY,
  user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title        TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
  key_type     TEXT NOT NULL,
  -- base64 of the key's wire blob, as in an authorized_keys line
  public_key   TEXT NOT NULL,
  -- `SHA256:` + unpadded base64, as `ssh-keygen -lf` prints it
  fingerprint  TEXT NOT NULL UNIQUE,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_used_at TIMESTAMPTZ
);
CREATE INDEX ssh_keys_user ON ssh_keys (user_id);
