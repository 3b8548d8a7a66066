-- Branch protection (issue #19): rules keyed by a branch name pattern (fnmatch-style, `*` stops
-- at `/`, `**` does not), in GitHub's terms. A branch is governed by the most specific rule that
-- matches it (workers/services/repos/branch-protection.ts). Enforced on direct pushes and lands.
CREATE TABLE branch_protections (
  id                         BIGSERIAL PRIMARY KEY,
  repo_id                    BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  pattern                    TEXT NOT NULL CHECK (length(pattern) BETWEEN 1 AND 255),
  required_approvals         INTEGER NOT NULL DEFAULT 0 CHECK (required_approvals BETWEEN 0 AND 10),
  require_last_push_approval BOOLEAN NOT NULL DEFAULT false,
  dismiss_stale_approvals    BOOLEAN NOT NULL DEFAULT false,
  -- NULL: no status checks required (GitHub's `required_status_checks: null`).
  required_contexts          TEXT[],
  strict_status_checks       BOOLEAN NOT NULL DEFAULT false,
  enforce_admins             BOOLEAN NOT NULL DEFAULT false,
  -- false: anyone with write access may push (GitHub's `restrictions: null`); true: only the
  -- users in branch_protection_pushers.
  restrict_pushes            BOOLEAN NOT NULL DEFAULT false,
  allow_force_pushes         BOOLEAN NOT NULL DEFAULT false,
  allow_deletions            BOOLEAN NOT NULL DEFAULT false,
  created_at                 TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at                 TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (repo_id, pattern)
);

-- Who may push to the branches of a rule whose pushes are restricted.
CREATE TABLE branch_protection_pushers (
  protection_id BIGINT NOT NULL REFERENCES branch_protections (id) ON DELETE CASCADE,
  user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  PRIMARY KEY (protection_id, user_id)
);
CREATE INDEX branch_protection_pushers_user ON branch_protection_pushers (user_id);
