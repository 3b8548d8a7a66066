/**
 * Mirrors a batch of a run's lifecycle events into its run and step rows in ONE statement (a
 * data-modifying CTE), so a producer's append costs one database round trip instead of one per
 * event, planned step and byte count (issue #21: the first log line waits behind this).
 *
 * The caller folds the batch into one `StepEffect` per step: the row the events would build
 * from nothing. From that row alone the statement recovers what they do to an existing row,
 * exactly as the one-event-at-a-time queries in runs.ts (markRunStarted, addPlannedSteps,
 * markStepStarted, markStepCompleted, setLogBytes, markLogArchived) would:
 * - `status = 'completed'` ⇔ the batch completes the step: a step not yet completed takes the
 *   first step_completed's fields; a completed step is never revived or rewritten;
 * - `started_at` set ⇔ a step_started came before any step_completed: a queued step starts;
 * - anything else (planned only, or started again) leaves an existing row as it is;
 * - a new row gets the next position in the order the batch first names it;
 * - log sizes only grow; the archive time is set once.
 * run_completed is not handled here (markRunCompleted, between two projections).
 */
import type { Db } from '../client';
import type { Conclusion } from './runs';

/** The row a batch's events build for one step when it has no row yet. */
export interface StepEffect {
  stepId: string;
  name: string;
  type: string;
  dependsOn: string[];
  status: 'queued' | 'running' | 'completed';
  startedAt: Date | null;
  conclusion: Conclusion | null;
  exitCode: number | null;
  completedAt: Date | null;
  note: string | null;
  /** JSON text (already bounded by the caller). */
  usage: string | null;
  output: string | null;
}

export interface RunProjection {
  /** queued → running (run_started or step_started in the batch). */
  startRun: boolean;
  /** One per step, in the order the batch first names them (unique step ids). */
  steps: StepEffect[];
  /** Log sizes to raise (null / {} when this batch reports none). */
  runBytes: number | null;
  stepBytes: Record<string, number>;
  /** Sets the run's log_archived_at unless it is set. */
  archived: boolean;
}

/** True when the projection would change nothing (no statement is needed). */
export function isEmptyProjection(p: RunProjection): boolean {
  return (
    !p.startRun &&
    p.steps.length === 0 &&
    p.runBytes === null &&
    Object.keys(p.stepBytes).length === 0 &&
    !p.archived
  );
}

const PROJECT_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($4::jsonb) AS i(ord integer, step_id text, name text,
    type text, depends_on text[], status text, started_at timestamptz, conclusion text,
    exit_code integer, completed_at timestamptz, note text, usage text, output text,
    log_bytes bigint)
), fresh AS (
  SELECT i.step_id, row_number() OVER (ORDER BY i.ord) - 1 AS k FROM input i
   WHERE NOT EXISTS (SELECT 1 FROM workflow_steps s WHERE s.run_id = $1 AND s.step_id = i.step_id)
), run_update AS (
  UPDATE workflow_runs SET
    status = CASE WHEN $3::boolean AND status = 'queued' THEN 'running' ELSE status END,
    started_at = CASE WHEN $3::boolean AND status = 'queued'
                      THEN COALESCE(started_at, $2::timestamptz) ELSE started_at END,
    updated_at = CASE WHEN $3::boolean AND status = 'queued' THEN $2::timestamptz
                      ELSE updated_at END,
    log_bytes = GREATEST(log_bytes, COALESCE($5::bigint, log_bytes)),
    log_archived_at = CASE WHEN $6::boolean THEN COALESCE(log_archived_at, $2::timestamptz)
                           ELSE log_archived_at END
  WHERE id = $1 AND (($3::boolean AND status = 'queued') OR $5::bigint > log_bytes
                     OR ($6::boolean AND log_archived_at IS NULL))
  RETURNING 1
), step_upsert AS (
  INSERT INTO workflow_steps AS w (run_id, step_id, position, name, type, depends_on, status,
    started_at, conclusion, exit_code, completed_at, note, usage, output, log_bytes)
  SELECT $1, i.step_id,
         (SELECT COALESCE(max(position) + 1, 0) FROM workflow_steps WHERE run_id = $1)
           + COALESCE(f.k, 0),
         i.name, i.type, COALESCE(i.depends_on, '{}'), i.status, i.started_at, i.conclusion,
         i.exit_code, i.completed_at, i.note, i.usage::jsonb, i.output::jsonb,
         COALESCE(i.log_bytes, 0)
    FROM input i LEFT JOIN fresh f ON f.step_id = i.step_id
   ORDER BY i.ord
  ON CONFLICT (run_id, step_id) DO UPDATE SET
    status = CASE WHEN w.status <> 'completed' AND EXCLUDED.status = 'completed' THEN 'completed'
                  WHEN w.status = 'queued' AND EXCLUDED.started_at IS NOT NULL THEN 'running'
                  ELSE w.status END,
    started_at = CASE WHEN w.status = 'queued' AND EXCLUDED.started_at IS NOT NULL
                      THEN EXCLUDED.started_at ELSE w.started_at END,
    conclusion = CASE WHEN w.status <> 'completed' AND EXCLUDED.status = 'completed'
                      THEN EXCLUDED.conclusion ELSE w.conclusion END,
    exit_code = CASE WHEN w.status <> 'completed' AND EXCLUDED.status = 'completed'
                     THEN EXCLUDED.exit_code ELSE w.exit_code END,
    completed_at = CASE WHEN w.status <> 'completed' AND EXCLUDED.status = 'completed'
                        THEN EXCLUDED.completed_at ELSE w.completed_at END,
    note = CASE WHEN w.status <> 'completed' AND EXCLUDED.status = 'completed'
                THEN EXCLUDED.note ELSE w.note END,
    usage = CASE WHEN w.status <> 'completed' AND EXCLUDED.status = 'completed'
                 THEN EXCLUDED.usage ELSE w.usage END,
    output = CASE WHEN w.status <> 'completed' AND EXCLUDED.status = 'completed'
                  THEN EXCLUDED.output ELSE w.output END,
    log_bytes = GREATEST(w.log_bytes, EXCLUDED.log_bytes)
  WHERE (w.status <> 'completed'
         AND (EXCLUDED.status = 'completed'
              OR (w.status = 'queued' AND EXCLUDED.started_at IS NOT NULL)))
     OR EXCLUDED.log_bytes > w.log_bytes
  RETURNING 1
), step_bytes AS (
  UPDATE workflow_steps s SET log_bytes = b.bytes
    FROM jsonb_to_recordset($7::jsonb) AS b(step_id text, bytes bigint)
   WHERE s.run_id = $1 AND s.step_id = b.step_id AND b.bytes > s.log_bytes
  RETURNING 1
)
SELECT 1 AS done`;

/**
 * JSON keeps a lone surrogate as an escape PostgreSQL refuses; as a text parameter (the
 * one-event queries) the driver's UTF-8 encoding made it U+FFFD. Do the same here.
 */
const wellFormed = (s: string): string =>
  s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

/** Applies a folded batch in one statement (nothing when there is nothing to apply). */
export async function projectRun(db: Db, runId: string, p: RunProjection, at: Date): Promise<void> {
  if (isEmptyProjection(p)) return;
  const carried = new Set(p.steps.map((s) => s.stepId));
  const input = p.steps.map((s, ord) => ({
    ord,
    step_id: s.stepId,
    name: wellFormed(s.name),
    type: s.type,
    depends_on: s.dependsOn.map(wellFormed),
    status: s.status,
    started_at: s.startedAt,
    conclusion: s.conclusion,
    exit_code: s.exitCode,
    completed_at: s.completedAt,
    note: s.note === null ? null : wellFormed(s.note),
    usage: s.usage,
    output: s.output,
    log_bytes: Object.hasOwn(p.stepBytes, s.stepId) ? p.stepBytes[s.stepId] : null,
  }));
  // A step the upsert carries gets its size there: one statement may not write a row twice.
  const bytes = Object.entries(p.stepBytes)
    .filter(([stepId]) => !carried.has(stepId))
    .map(([stepId, n]) => ({ step_id: stepId, bytes: n }));
  await db.query(PROJECT_SQL, [
    runId,
    at,
    p.startRun,
    JSON.stringify(input),
    p.runBytes,
    p.archived,
    JSON.stringify(bytes),
  ]);
}
