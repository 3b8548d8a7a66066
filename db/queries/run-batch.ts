/**
 * Set-based inserts for a batch of evaluation reports (one push of a thousand branches reports a
 * thousand events, issue #21): queued runs with their run numbers, steps, origin and `pending`
 * commit statuses, all in one statement (a round trip to the database costs milliseconds, and
 * the runs cannot be claimed before the report's transaction commits).
 */
import type { Db } from '../client';
import { RUN_COLUMNS, type NewRun, type RunRow } from './runs';
import type { StatusState } from './commit-statuses';

/** The commit status posted with a run; its target URL is `urlPrefix` and the run's id. */
export interface NewRunStatus {
  state: StatusState;
  context: string;
  description: string | null;
  urlPrefix: string;
}

/** A run to queue, with the event and actor it runs for (run-leases.ts setRunOrigin). */
export interface NewBatchRun extends NewRun {
  eventId: string | null;
  actorId: string | null;
  /** Posted on the run's head commit by its actor, in the same statement. */
  status?: NewRunStatus | undefined;
}

/**
 * Inserts queued runs, their planned steps and their statuses in one statement; returns the runs
 * in the order given. Each repository's runs take the next numbers of its counter, in the order
 * given; counters are locked in one order (repository ids sorted as text), so concurrent batches
 * do not deadlock.
 */
export async function insertRuns(db: Db, runs: NewBatchRun[]): Promise<RunRow[]> {
  if (runs.length === 0) return [];
  const col = <T>(f: (r: NewBatchRun) => T) => runs.map(f);
  const steps = runs.flatMap((r, i) =>
    r.steps.map((s, position) => ({ run: i + 1, position, ...s })),
  );
  const sc = <T>(f: (s: (typeof steps)[number]) => T) => steps.map(f);
  // Run numbers: the counter's new last number, less the repository's runs in the batch, plus
  // the run's place among them. Steps and statuses find their run by its place in the batch.
  const rows = await db.query<RunRow>(
    `WITH given AS (
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
                            $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[],
                            $11::text[], $12::text[], $13::text[], $14::text[]) WITH ORDINALITY
         AS g(repo_id, workflow_name, workflow_file, event, head_sha, head_branch, plan,
              token_hash, event_id, actor_id, s_state, s_context, s_description, s_url, o)),
     per_repo AS (SELECT repo_id, count(*)::int AS k FROM given GROUP BY repo_id),
     counters AS (
       INSERT INTO workflow_run_counters (repo_id, last_number)
       SELECT repo_id, k FROM per_repo ORDER BY repo_id::text COLLATE "C"
       ON CONFLICT (repo_id) DO UPDATE
         SET last_number = workflow_run_counters.last_number + EXCLUDED.last_number
       RETURNING repo_id, last_number),
     numbered AS (
       SELECT g.*, (c.last_number - p.k
                    + row_number() OVER (PARTITION BY g.repo_id ORDER BY g.o))::int AS run_number
         FROM given g JOIN per_repo p ON p.repo_id = g.repo_id
              JOIN counters c ON c.repo_id = g.repo_id),
     inserted AS (
       INSERT INTO workflow_runs (repo_id, run_number, workflow_name, workflow_file, event,
         head_sha, head_branch, plan, token_hash, event_id, actor_id)
       SELECT repo_id, run_number, workflow_name, workflow_file, event, head_sha, head_branch,
              plan::jsonb, token_hash, event_id, actor_id
         FROM numbered ORDER BY o
       RETURNING *),
     placed AS (
       SELECT r.*, n.o AS given_o, n.s_state, n.s_context, n.s_description, n.s_url
         FROM inserted r JOIN numbered n
           ON n.repo_id = r.repo_id AND n.run_number = r.run_number),
     new_steps AS (
       INSERT INTO workflow_steps (run_id, step_id, position, name, type, depends_on)
       SELECT p.id, s.step_id, s.position, s.name, s.type,
              ARRAY(SELECT jsonb_array_elements_text(s.depends_on::jsonb))
         FROM unnest($15::bigint[], $16::text[], $17::int[], $18::text[], $19::text[],
                     $20::text[]) AS s(run, step_id, position, name, type, depends_on)
         JOIN placed p ON p.given_o = s.run
       RETURNING 1),
     new_statuses AS (
       INSERT INTO commit_statuses (repo_id, sha, state, context, description, target_url,
         creator_id)
       SELECT repo_id, head_sha, s_state, s_context, s_description, s_url || id::text, actor_id
         FROM placed WHERE s_state IS NOT NULL ORDER BY given_o
       RETURNING 1)
     SELECT ${RUN_COLUMNS} FROM placed ORDER BY given_o`,
    [
      col((r) => r.repoId),
      col((r) => r.workflowName),
      col((r) => r.workflowFile),
      col((r) => r.event),
      col((r) => r.headSha),
      col((r) => r.headBranch),
      col((r) => (r.plan === undefined ? null : JSON.stringify(r.plan))),
      col((r) => r.tokenHash),
      col((r) => r.eventId),
      col((r) => r.actorId),
      col((r) => r.status?.state ?? null),
      col((r) => r.status?.context ?? null),
      col((r) => r.status?.description ?? null),
      col((r) => r.status?.urlPrefix ?? null),
      sc((s) => s.run),
      sc((s) => s.stepId),
      sc((s) => s.position),
      sc((s) => s.name),
      sc((s) => s.type),
      sc((s) => JSON.stringify(s.dependsOn)),
    ],
  );
  if (rows.length !== runs.length) {
    throw new Error('insert into workflow_runs returned fewer rows than given');
  }
  return rows;
}
