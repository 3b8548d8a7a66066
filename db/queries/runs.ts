/**
 * Typed queries for workflow runs and steps. State changes are compare-and-set (a run moves
 * queued → running → completed and never back except through the lease sweeper), so replayed
 * producer events are harmless. Claiming uses FOR UPDATE SKIP LOCKED so concurrent controllers
 * never wait on each other.
 *
 * A producer's batch of events is projected by run-projection.ts in one statement. The
 * one-event functions here (markRunStarted, addPlannedSteps, markStepStarted, markStepCompleted,
 * setLogBytes, markLogArchived) define the semantics it must keep: its tests replay random
 * batches through both and compare the rows.
 */
import type { Db } from '../client';

export type RunStatus = 'queued' | 'running' | 'completed';
// One list of conclusions: the internal API's schema (the controller reports them) owns it.
export { CONCLUSIONS, type Conclusion } from '../../common/schemas/internal-controller';
import type { Conclusion } from '../../common/schemas/internal-controller';

export interface RunRow {
  id: string;
  repo_id: string;
  run_number: number;
  workflow_name: string;
  workflow_file: string;
  event: string;
  head_sha: string;
  head_branch: string | null;
  status: RunStatus;
  conclusion: Conclusion | null;
  plan: unknown;
  attempt: number;
  lease_owner: string | null;
  lease_epoch: string;
  lease_expires_at: Date | null;
  cancel_requested_at: Date | null;
  token_hash: string;
  log_bytes: string;
  log_archived_at: Date | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}

export interface StepRow {
  run_id: string;
  step_id: string;
  position: number;
  name: string;
  type: string;
  depends_on: string[];
  status: RunStatus;
  conclusion: Conclusion | null;
  exit_code: number | null;
  /** Why the step ended as it did, when its producer said (e.g. a skipped step's reason). */
  note: string | null;
  /** A model step's accounting and output (JSON, from its step_completed event). */
  usage: Record<string, unknown> | null;
  output: unknown;
  started_at: Date | null;
  completed_at: Date | null;
  log_bytes: string;
}

export interface NewStep {
  stepId: string;
  name: string;
  type: string;
  dependsOn: string[];
}

export interface NewRun {
  repoId: string;
  workflowName: string;
  workflowFile: string;
  event: string;
  headSha: string;
  headBranch: string | null;
  plan: unknown;
  tokenHash: string;
  steps: NewStep[];
}

/** The columns of a RunRow (shared with run-origins.ts). */
export const RUN_COLUMNS = `id::text AS id, repo_id::text AS repo_id, run_number, workflow_name,
  workflow_file, event, head_sha, head_branch, status, conclusion, plan, attempt, lease_owner,
  lease_epoch::text AS lease_epoch, lease_expires_at, cancel_requested_at, token_hash,
  log_bytes::text AS log_bytes, log_archived_at, created_at, updated_at, started_at, completed_at`;

const STEP_COLUMNS = `run_id::text AS run_id, step_id, position, name, type, depends_on, status,
  conclusion, exit_code, note, usage, output, started_at, completed_at,
  log_bytes::text AS log_bytes`;

/** Inserts a queued run with the next run number of its repository, and its planned steps. */
export async function insertRun(db: Db, r: NewRun): Promise<RunRow> {
  return db.transaction(async (tx) => {
    const [counter] = await tx.query<{ n: number }>(
      `INSERT INTO workflow_run_counters (repo_id, last_number) VALUES ($1, 1)
       ON CONFLICT (repo_id) DO UPDATE SET last_number = workflow_run_counters.last_number + 1
       RETURNING last_number AS n`,
      [r.repoId],
    );
    const [run] = await tx.query<RunRow>(
      `INSERT INTO workflow_runs (repo_id, run_number, workflow_name, workflow_file, event,
         head_sha, head_branch, plan, token_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9) RETURNING ${RUN_COLUMNS}`,
      [
        r.repoId,
        counter?.n,
        r.workflowName,
        r.workflowFile,
        r.event,
        r.headSha,
        r.headBranch,
        r.plan === undefined ? null : JSON.stringify(r.plan),
        r.tokenHash,
      ],
    );
    if (!run) throw new Error('insert into workflow_runs returned nothing');
    for (const [i, s] of r.steps.entries()) {
      await tx.query(
        `INSERT INTO workflow_steps (run_id, step_id, position, name, type, depends_on)
         VALUES ($1, $2, $3, $4, $5, $6::text[])`,
        [run.id, s.stepId, i, s.name, s.type, s.dependsOn],
      );
    }
    return run;
  });
}

export async function findRunById(db: Db, id: string): Promise<RunRow | undefined> {
  const rows = await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM workflow_runs WHERE id = $1`, [
    id,
  ]);
  return rows[0];
}

/** The run `id` if it belongs to repository `repoId`. */
export async function findRunOfRepo(
  db: Db,
  repoId: string,
  id: string,
): Promise<RunRow | undefined> {
  const rows = await db.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM workflow_runs WHERE id = $1 AND repo_id = $2`,
    [id, repoId],
  );
  return rows[0];
}

/**
 * Ids of the repository's runs that may still have viewers: not completed, or completed since
 * `since` (a viewer may still be replaying the archive).
 */
export async function listStreamingRunIds(db: Db, repoId: string, since: Date): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `SELECT id::text AS id FROM workflow_runs
      WHERE repo_id = $1 AND (status <> 'completed' OR completed_at >= $2)`,
    [repoId, since],
  );
  return rows.map((r) => r.id);
}

export interface RunFilter {
  /** queued | running | completed, or a conclusion (GitHub accepts either in `status`). */
  status?: RunStatus | Conclusion | undefined;
  branch?: string | undefined;
  event?: string | undefined;
  headSha?: string | undefined;
  workflow?: string | undefined;
}

/** Runs of a repository, newest first, with the total matching count. */
export async function listRuns(
  db: Db,
  repoId: string,
  filter: RunFilter,
  page: { limit: number; offset: number },
): Promise<{ rows: RunRow[]; total: number }> {
  const where: string[] = ['repo_id = $1'];
  const params: unknown[] = [repoId];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replaceAll('?', `$${params.length}`));
  };
  const status = filter.status;
  if (status === 'queued' || status === 'running' || status === 'completed') {
    add('status = ?', status);
  } else if (status !== undefined) {
    add('conclusion = ?', status);
  }
  if (filter.branch !== undefined) add('head_branch = ?', filter.branch);
  if (filter.event !== undefined) add('event = ?', filter.event);
  if (filter.headSha !== undefined) add('head_sha = ?', filter.headSha);
  if (filter.workflow !== undefined)
    add('(workflow_name = ? OR workflow_file = ?)', filter.workflow);
  const cond = where.join(' AND ');
  const rows = await db.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM workflow_runs WHERE ${cond}
     ORDER BY workflow_runs.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, page.limit, page.offset],
  );
  const [count] = await db.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM workflow_runs WHERE ${cond}`,
    params,
  );
  return { rows, total: Number(count?.n ?? 0) };
}

export async function listSteps(db: Db, runId: string): Promise<StepRow[]> {
  return db.query<StepRow>(
    `SELECT ${STEP_COLUMNS} FROM workflow_steps WHERE run_id = $1 ORDER BY position, step_id`,
    [runId],
  );
}

/** queued → running. Returns false when the run was not queued (a replay or a lost race). */
export async function markRunStarted(db: Db, id: string, at: Date): Promise<boolean> {
  const rows = await db.query(
    `UPDATE workflow_runs SET status = 'running', started_at = COALESCE(started_at, $2),
       updated_at = $2 WHERE id = $1 AND status = 'queued' RETURNING id`,
    [id, at],
  );
  return rows.length > 0;
}

/** Any state but completed → completed with `conclusion`; steps left open are closed too. */
export async function markRunCompleted(
  db: Db,
  id: string,
  conclusion: Conclusion,
  at: Date,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx.query(
      `UPDATE workflow_runs SET status = 'completed', conclusion = $2,
         started_at = COALESCE(started_at, $3), completed_at = $3, updated_at = $3,
         lease_owner = NULL, lease_expires_at = NULL
       WHERE id = $1 AND status <> 'completed' RETURNING id`,
      [id, conclusion, at],
    );
    if (rows.length === 0) return false;
    // A step still queued never ran (skipped); one still running ended with the run.
    await tx.query(
      `UPDATE workflow_steps SET status = 'completed',
         conclusion = CASE WHEN status = 'queued' THEN 'skipped' ELSE $2 END,
         completed_at = $3
       WHERE run_id = $1 AND status <> 'completed'`,
      [id, conclusion, at],
    );
    return true;
  });
}

/** Marks a step running, creating its row when the plan did not list it. */
export async function markStepStarted(
  db: Db,
  runId: string,
  step: { stepId: string; name: string; type: string },
  at: Date,
): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO workflow_steps (run_id, step_id, position, name, type, status, started_at)
     VALUES ($1, $2, (SELECT COALESCE(max(position) + 1, 0) FROM workflow_steps WHERE run_id = $1),
             $3, $4, 'running', $5)
     ON CONFLICT (run_id, step_id) DO UPDATE SET status = 'running', started_at = $5
       WHERE workflow_steps.status = 'queued'
     RETURNING step_id`,
    [runId, step.stepId, step.name, step.type, at],
  );
  return rows.length > 0;
}

/** Marks a step completed (from any state but completed), creating its row if needed. */
export async function markStepCompleted(
  db: Db,
  runId: string,
  step: {
    stepId: string;
    conclusion: Conclusion;
    exitCode: number | null;
    note?: string | null;
    /** JSON text of a model step's usage and output (already bounded by the caller). */
    usage?: string | null;
    output?: string | null;
  },
  at: Date,
): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO workflow_steps (run_id, step_id, position, name, status, conclusion, exit_code,
       completed_at, note, usage, output)
     VALUES ($1, $2, (SELECT COALESCE(max(position) + 1, 0) FROM workflow_steps WHERE run_id = $1),
             $2, 'completed', $3, $4, $5, $6, $7::jsonb, $8::jsonb)
     ON CONFLICT (run_id, step_id) DO UPDATE SET status = 'completed', conclusion = $3,
       exit_code = $4, completed_at = $5, note = $6, usage = $7::jsonb, output = $8::jsonb
       WHERE workflow_steps.status <> 'completed'
     RETURNING step_id`,
    [
      runId,
      step.stepId,
      step.conclusion,
      step.exitCode,
      at,
      step.note ?? null,
      step.usage ?? null,
      step.output ?? null,
    ],
  );
  return rows.length > 0;
}

/** Records log sizes (absolute values, so replays are harmless). */
export async function setLogBytes(
  db: Db,
  runId: string,
  runBytes: number,
  steps: Record<string, number>,
): Promise<void> {
  await db.query(`UPDATE workflow_runs SET log_bytes = GREATEST(log_bytes, $2) WHERE id = $1`, [
    runId,
    runBytes,
  ]);
  for (const [stepId, bytes] of Object.entries(steps)) {
    await db.query(
      `UPDATE workflow_steps SET log_bytes = GREATEST(log_bytes, $3)
       WHERE run_id = $1 AND step_id = $2`,
      [runId, stepId, bytes],
    );
  }
}

export async function markLogArchived(db: Db, runId: string, at: Date): Promise<void> {
  await db.query(
    `UPDATE workflow_runs SET log_archived_at = COALESCE(log_archived_at, $2) WHERE id = $1`,
    [runId, at],
  );
}

/** Asks a run to stop (the controller sees it on its next heartbeat). */
export async function requestCancel(db: Db, runId: string, now: Date): Promise<boolean> {
  const rows = await db.query(
    `UPDATE workflow_runs SET cancel_requested_at = COALESCE(cancel_requested_at, $2),
       updated_at = $2 WHERE id = $1 AND status <> 'completed' RETURNING id`,
    [runId, now],
  );
  return rows.length > 0;
}

/** Adds planned steps a run did not list at creation (e.g. reported by run_started). */
export async function addPlannedSteps(db: Db, runId: string, steps: NewStep[]): Promise<void> {
  for (const s of steps) {
    await db.query(
      `INSERT INTO workflow_steps (run_id, step_id, position, name, type, depends_on)
       VALUES ($1, $2, (SELECT COALESCE(max(position) + 1, 0) FROM workflow_steps
                        WHERE run_id = $1), $3, $4, $5::text[])
       ON CONFLICT (run_id, step_id) DO NOTHING`,
      [runId, s.stepId, s.name, s.type, s.dependsOn],
    );
  }
}
