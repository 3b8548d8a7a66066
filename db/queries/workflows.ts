/**
 * The workflows a repository defines at its default branch head, as found by the last
 * evaluation of that branch (replaced as a whole each time, in one statement for all the
 * repositories of a batch of reports).
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
  await replaceWorkflowLists(db, [{ repoId, headSha, list }], now);
}

/** One repository's new workflow list (replaceWorkflowLists). */
export interface WorkflowList {
  repoId: string;
  headSha: string;
  list: NewWorkflow[];
}

/**
 * Replaces the workflow lists of several repositories in one statement: each list's workflows
 * are written (the first of a repeated file and name counts) and the repository's others deleted.
 * A repository given twice ends with its last list, as if replaced twice in turn.
 */
export async function replaceWorkflowLists(
  db: Db,
  lists: WorkflowList[],
  now: Date,
): Promise<void> {
  const last = new Map<string, WorkflowList>();
  for (const l of lists) {
    last.delete(l.repoId);
    last.set(l.repoId, l);
  }
  if (last.size === 0) return;
  const rows = [...last.values()].flatMap((l) =>
    l.list.map((w) => ({ repoId: l.repoId, headSha: l.headSha, ...w })),
  );
  const col = <T>(f: (w: (typeof rows)[number]) => T) => rows.map(f);
  // The upsert and the delete touch different rows (a statement's parts share one snapshot and
  // would not see each other's writes): kept rows are updated in place, the rest deleted.
  // Rows are written in key order, so concurrent replacements of one list lock in one order.
  await db.query(
    `WITH given AS (
       SELECT DISTINCT ON (repo_id, file, name) repo_id, file, name, line, triggers, error,
              head_sha
         FROM unnest($2::bigint[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[],
                     $8::text[]) WITH ORDINALITY
           AS w(repo_id, file, name, line, triggers, error, head_sha, o)
        ORDER BY repo_id, file, name, o),
     written AS (
       INSERT INTO workflows (repo_id, file, name, line, triggers, error, head_sha, updated_at)
       SELECT repo_id, file, name, line, triggers::jsonb, error, head_sha, $9 FROM given
        ORDER BY repo_id, file, name
       ON CONFLICT (repo_id, file, name) DO UPDATE
         SET line = EXCLUDED.line, triggers = EXCLUDED.triggers, error = EXCLUDED.error,
             head_sha = EXCLUDED.head_sha, updated_at = EXCLUDED.updated_at
       RETURNING 1)
     DELETE FROM workflows w
      WHERE w.repo_id = ANY($1::bigint[])
        AND NOT EXISTS (SELECT 1 FROM given g
                         WHERE g.repo_id = w.repo_id AND g.file = w.file AND g.name = w.name)`,
    [
      [...last.keys()],
      col((w) => w.repoId),
      col((w) => w.file),
      col((w) => w.name),
      col((w) => w.line),
      col((w) => JSON.stringify(w.triggers)),
      col((w) => w.error),
      col((w) => w.headSha),
      now,
    ],
  );
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
