/**
 * Branch protection rules of a repository (migration 0014): one row per pattern, and the users
 * a restricted rule lets push.
 */
import type { Db } from '../client';

export interface ProtectionRow {
  id: string;
  repo_id: string;
  pattern: string;
  required_approvals: number;
  require_last_push_approval: boolean;
  dismiss_stale_approvals: boolean;
  required_contexts: string[] | null;
  strict_status_checks: boolean;
  enforce_admins: boolean;
  restrict_pushes: boolean;
  allow_force_pushes: boolean;
  allow_deletions: boolean;
  created_at: Date;
  updated_at: Date;
  /** [{id, login}] of the users who may push when restricted. */
  pushers: Array<{ id: string; login: string }>;
}

export interface ProtectionFields {
  requiredApprovals: number;
  requireLastPushApproval: boolean;
  dismissStaleApprovals: boolean;
  requiredContexts: string[] | null;
  strictStatusChecks: boolean;
  enforceAdmins: boolean;
  restrictPushes: boolean;
  allowForcePushes: boolean;
  allowDeletions: boolean;
  /** User ids who may push when restricted. */
  pusherIds: string[];
}

const COLUMNS = `p.id::text AS id, p.repo_id::text AS repo_id, p.pattern, p.required_approvals,
  p.require_last_push_approval, p.dismiss_stale_approvals, p.required_contexts,
  p.strict_status_checks, p.enforce_admins, p.restrict_pushes, p.allow_force_pushes,
  p.allow_deletions, p.created_at, p.updated_at,
  COALESCE((SELECT json_agg(json_build_object('id', u.id::text, 'login', u.username)
              ORDER BY lower(u.username))
            FROM branch_protection_pushers bp JOIN users u ON u.id = bp.user_id
            WHERE bp.protection_id = p.id), '[]'::json) AS pushers`;

/** Every rule of a repository, oldest first. */
export async function listProtections(db: Db, repoId: string): Promise<ProtectionRow[]> {
  return db.query<ProtectionRow>(
    `SELECT ${COLUMNS} FROM branch_protections p WHERE p.repo_id = $1 ORDER BY p.created_at, p.id`,
    [repoId],
  );
}

/** The rule with exactly this pattern. */
export async function findProtection(
  db: Db,
  repoId: string,
  pattern: string,
): Promise<ProtectionRow | undefined> {
  const [row] = await db.query<ProtectionRow>(
    `SELECT ${COLUMNS} FROM branch_protections p WHERE p.repo_id = $1 AND p.pattern = $2`,
    [repoId, pattern],
  );
  return row;
}

/** Creates or replaces the rule for `pattern` (GitHub's PUT replaces every field). */
export async function upsertProtection(
  db: Db,
  repoId: string,
  pattern: string,
  f: ProtectionFields,
  now: Date,
): Promise<ProtectionRow> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query<{ id: string }>(
      `INSERT INTO branch_protections (repo_id, pattern, required_approvals,
         require_last_push_approval, dismiss_stale_approvals, required_contexts,
         strict_status_checks, enforce_admins, restrict_pushes, allow_force_pushes,
         allow_deletions, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
       ON CONFLICT (repo_id, pattern) DO UPDATE SET
         required_approvals = excluded.required_approvals,
         require_last_push_approval = excluded.require_last_push_approval,
         dismiss_stale_approvals = excluded.dismiss_stale_approvals,
         required_contexts = excluded.required_contexts,
         strict_status_checks = excluded.strict_status_checks,
         enforce_admins = excluded.enforce_admins,
         restrict_pushes = excluded.restrict_pushes,
         allow_force_pushes = excluded.allow_force_pushes,
         allow_deletions = excluded.allow_deletions,
         updated_at = excluded.updated_at
       RETURNING id::text AS id`,
      [
        repoId,
        pattern,
        f.requiredApprovals,
        f.requireLastPushApproval,
        f.dismissStaleApprovals,
        f.requiredContexts,
        f.strictStatusChecks,
        f.enforceAdmins,
        f.restrictPushes,
        f.allowForcePushes,
        f.allowDeletions,
        now,
      ],
    );
    if (!row) throw new Error('upsert into branch_protections returned nothing');
    await tx.query('DELETE FROM branch_protection_pushers WHERE protection_id = $1', [row.id]);
    if (f.pusherIds.length > 0) {
      await tx.query(
        `INSERT INTO branch_protection_pushers (protection_id, user_id)
         SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`,
        [row.id, f.pusherIds],
      );
    }
    const [full] = await tx.query<ProtectionRow>(
      `SELECT ${COLUMNS} FROM branch_protections p WHERE p.id = $1`,
      [row.id],
    );
    if (!full) throw new Error('branch protection vanished inside its transaction');
    return full;
  });
}

/** Deletes the rule with exactly this pattern; false when there was none. */
export async function deleteProtection(db: Db, repoId: string, pattern: string): Promise<boolean> {
  const rows = await db.query(
    'DELETE FROM branch_protections WHERE repo_id = $1 AND pattern = $2 RETURNING id',
    [repoId, pattern],
  );
  return rows.length > 0;
}
