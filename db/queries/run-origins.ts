/**
 * Runs looked up by where they came from: the runs an event started (a dispatch's page waits for
 * them), and whether a commit already has the run reporting that a workflow file does not
 * evaluate (so a broken file is reported once per commit).
 */
import type { Db } from '../client';
import { RUN_COLUMNS, type RunRow } from './runs';

/**
 * Whether the commit `sha` already has a run reporting that `file` does not evaluate (a run whose
 * plan carries the evaluation error), so a broken file is reported once per commit.
 */
export async function hasEvaluationErrorRun(
  db: Db,
  repoId: string,
  sha: string,
  file: string,
): Promise<boolean> {
  const rows = await db.query<{ one: number }>(
    `SELECT 1 AS one FROM workflow_runs
      WHERE repo_id = $1 AND head_sha = $2 AND workflow_file = $3 AND plan -> 'error' IS NOT NULL LIMIT 1`,
    [repoId, sha, file],
  );
  return rows.length > 0;
}

/** The runs an event (a push, a dispatch, a schedule tick) started in repository `repoId`. */
export async function listRunsOfEvent(db: Db, repoId: string, eventId: string): Promise<RunRow[]> {
  return db.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM workflow_runs WHERE repo_id = $1 AND event_id = $2 ORDER BY id`,
    [repoId, eventId],
  );
}
