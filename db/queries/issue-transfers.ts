/**
 * Moving an issue to another repository: it takes a number there, keeps its comments, timeline
 * and reactions, keeps the labels the target has by the same name and the assignees who can be
 * assigned there, loses its milestone and pin, and its old repository and number keep pointing
 * at it (`issue_transfers`) so old URLs redirect.
 */
import type { Db } from '../client';

/** Moves the issue (call inside a transaction, with `number` taken from the target). */
export async function moveIssue(
  db: Db,
  issue: { id: string; repo_id: string; number: number },
  targetRepoId: string,
  number: number,
  now: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO issue_transfers (from_repo_id, from_number, issue_id, created_at)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (from_repo_id, from_number) DO UPDATE SET issue_id = EXCLUDED.issue_id`,
    [issue.repo_id, issue.number, issue.id, now],
  );
  // Labels by name: the target's label of the same name replaces each one; others are dropped.
  await db.query(
    `INSERT INTO issue_labels (issue_id, label_id)
     SELECT $1, t.id FROM issue_labels il JOIN labels l ON l.id = il.label_id
       JOIN labels t ON t.repo_id = $2 AND lower(t.name) = lower(l.name)
      WHERE il.issue_id = $1
     ON CONFLICT DO NOTHING`,
    [issue.id, targetRepoId],
  );
  await db.query(
    `DELETE FROM issue_labels il USING labels l
      WHERE il.issue_id = $1 AND l.id = il.label_id AND l.repo_id <> $2`,
    [issue.id, targetRepoId],
  );
  await db.query(
    `DELETE FROM issue_assignees a WHERE a.issue_id = $1
        AND a.user_id <> (SELECT owner_id FROM repositories WHERE id = $2)
        AND NOT EXISTS (SELECT 1 FROM collaborators c WHERE c.repo_id = $2
                          AND c.user_id = a.user_id AND c.permission IN ('write', 'admin'))`,
    [issue.id, targetRepoId],
  );
  await db.query(
    `UPDATE issues SET repo_id = $2, number = $3, milestone_id = NULL, pinned_at = NULL,
       updated_at = $4 WHERE id = $1`,
    [issue.id, targetRepoId, number, now],
  );
}

/** Where issue `number` of a repository was transferred to, if it was. */
export async function findTransfer(
  db: Db,
  repoId: string,
  number: number,
): Promise<{ issue_id: string } | undefined> {
  const rows = await db.query<{ issue_id: string }>(
    `SELECT issue_id::text AS issue_id FROM issue_transfers
      WHERE from_repo_id = $1 AND from_number = $2`,
    [repoId, number],
  );
  return rows[0];
}
