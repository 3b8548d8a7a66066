-- Users and the wallet addresses they sign in with.
CREATE TABLE users (
  id          BIGSERIAL PRIMARY KEY,
  username    TEXT NOT NULL CHECK (username ~ '^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$'),
  display_name TEXT,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_lower ON users (lower(username));

CREATE TABLE wallets (
  -- EIP-55 checksummed addresses are stored lower-cased; compare lower-cased.
  address     TEXT PRIMARY KEY CHECK (address ~ '^0x[0-9a-f]{40}$'),
  user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX wallets_user ON wallets (user_id);
