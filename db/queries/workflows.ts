/**
 * The workflows a repository defines at its default branch head, as found by the last
 * evaluation of that branch (replaced as a whole each time).
 */
import type { Db } from '../client';

export interface WorkflowRow {
  repo_id: string;
  file: string;
  name: string;
  line: number | null;
  triggers: unknown[];
  error: string | null;
  head_sha: string;
  updated_at: Date;
}

export interface NewWorkflow {
  file: string;
  name: string;
  line: number | null;
  triggers: unknown[];
  error: string | null;
}

const COLUMNS = `repo_id::text AS repo_id, file, name, line, triggers, error, head_sha, updated_at`;

/** Replaces the repository's workflow list with `list` found at `headSha`. */
export async function replaceWorkflows(
  db: Db,
  repoId: string,
  headSha: string,
  list: NewWorkflow[],
  now: Date,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`DELETE FROM workflows WHERE repo_id = $1`, [repoId]);
    for (const w of list) {
      await tx.query(
        `INSERT INTO workflows (repo_id, file, name, line, triggers, error, head_sha, updated_at)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8) ON CONFLICT DO NOTHING`,
        [repoId, w.file, w.name, w.line, JSON.stringify(w.triggers), w.error, headSha, now],
      );
    }
  });
}

export async function listWorkflows(db: Db, repoId: string): Promise<WorkflowRow[]> {
  return db.query<WorkflowRow>(
    `SELECT ${COLUMNS} FROM workflows WHERE repo_id = $1 ORDER BY file, name`,
    [repoId],
  );
}

/** A workflow by name (or by file path / file name, GitHub accepts those too). */
export async function findWorkflow(
  db: Db,
  repoId: string,
  nameOrFile: string,
): Promise<WorkflowRow | undefined> {
  const rows = await db.query<WorkflowRow>(
    `SELECT ${COLUMNS} FROM workflows WHERE repo_id = $1 AND error IS NULL
       AND (name = $2 OR file = $2 OR file = '.plue/workflows/' || $2)
     ORDER BY (name = $2) DESC, file LIMIT 1`,
    [repoId, nameOrFile],
  );
  return rows[0];
}

/** Every `schedule` trigger of every valid workflow: (repository, cron) pairs, deduplicated. */
export async function listScheduleTriggers(
  db: Db,
): Promise<Array<{ repo_id: string; cron: string }>> {
  return db.query<{ repo_id: string; cron: string }>(
    `SELECT DISTINCT w.repo_id::text AS repo_id, t->>'cron' AS cron
     FROM workflows w, jsonb_array_elements(w.triggers) t
     WHERE w.error IS NULL AND t->>'type' = 'schedule' AND t->>'cron' IS NOT NULL
     ORDER BY 1, 2`,
  );
}
