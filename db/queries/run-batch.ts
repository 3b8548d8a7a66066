/**
 * Set-based inserts for a batch of evaluation reports (one push of a thousand branches reports a
 * thousand events, issue #21): queued runs with their run numbers, steps and origin, and their
 * commit statuses, each kind in one statement instead of a few round trips per run.
 */
import type { Db } from '../client';
import { RUN_COLUMNS, type NewRun, type RunRow } from './runs';
import type { NewStatus } from './commit-statuses';

/** A run to queue, with the event and actor it runs for (run-leases.ts setRunOrigin). */
export interface NewBatchRun extends NewRun {
  eventId: string | null;
  actorId: string | null;
}

/**
 * Inserts queued runs (run numbers taken from each repository's counter in one statement) and
 * their planned steps; returns the runs in the order given.
 */
export async function insertRuns(db: Db, runs: NewBatchRun[]): Promise<RunRow[]> {
  if (runs.length === 0) return [];
  const perRepo = new Map<string, number>();
  for (const r of runs) perRepo.set(r.repoId, (perRepo.get(r.repoId) ?? 0) + 1);
  // Sorted, so concurrent batches lock the counters of their repositories in one order.
  const repos = [...perRepo.keys()].sort();
  const counters = await db.query<{ repo_id: string; n: number }>(
    `INSERT INTO workflow_run_counters (repo_id, last_number)
     SELECT repo_id, k FROM unnest($1::bigint[], $2::int[]) WITH ORDINALITY AS c(repo_id, k, o)
      ORDER BY o
     ON CONFLICT (repo_id) DO UPDATE
       SET last_number = workflow_run_counters.last_number + EXCLUDED.last_number
     RETURNING repo_id::text AS repo_id, last_number AS n`,
    [repos, repos.map((r) => perRepo.get(r))],
  );
  // The numbers each repository's runs take, in order: last - k + 1 … last.
  const next = new Map(counters.map((c) => [c.repo_id, c.n - (perRepo.get(c.repo_id) ?? 0) + 1]));
  const numbers = runs.map((r) => {
    const n = next.get(r.repoId);
    if (n === undefined) throw new Error(`no run counter for repository ${r.repoId}`);
    next.set(r.repoId, n + 1);
    return n;
  });
  const col = <T>(f: (r: NewBatchRun) => T) => runs.map(f);
  const rows = await db.query<RunRow>(
    `INSERT INTO workflow_runs (repo_id, run_number, workflow_name, workflow_file, event,
       head_sha, head_branch, plan, token_hash, event_id, actor_id)
     SELECT repo_id, run_number, workflow_name, workflow_file, event, head_sha, head_branch,
            plan::jsonb, token_hash, event_id, actor_id
       FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[],
                   $7::text[], $8::text[], $9::text[], $10::bigint[], $11::bigint[])
            WITH ORDINALITY AS r(repo_id, run_number, workflow_name, workflow_file, event,
              head_sha, head_branch, plan, token_hash, event_id, actor_id, o)
      ORDER BY o
     RETURNING ${RUN_COLUMNS}`,
    [
      col((r) => r.repoId),
      numbers,
      col((r) => r.workflowName),
      col((r) => r.workflowFile),
      col((r) => r.event),
      col((r) => r.headSha),
      col((r) => r.headBranch),
      col((r) => (r.plan === undefined ? null : JSON.stringify(r.plan))),
      col((r) => r.tokenHash),
      col((r) => r.eventId),
      col((r) => r.actorId),
    ],
  );
  // RETURNING's order is not promised: match rows by (repository, run number).
  const byKey = new Map(rows.map((row) => [`${row.repo_id}:${row.run_number}`, row]));
  const ordered = runs.map((r, i) => {
    const row = byKey.get(`${r.repoId}:${numbers[i]}`);
    if (!row) throw new Error('insert into workflow_runs returned fewer rows than given');
    return row;
  });
  const steps = ordered.flatMap((row, i) =>
    (runs[i]?.steps ?? []).map((s, position) => ({ runId: row.id, position, ...s })),
  );
  if (steps.length > 0) {
    const sc = <T>(f: (s: (typeof steps)[number]) => T) => steps.map(f);
    await db.query(
      `INSERT INTO workflow_steps (run_id, step_id, position, name, type, depends_on)
       SELECT run_id, step_id, position, name, type,
              ARRAY(SELECT jsonb_array_elements_text(depends_on::jsonb))
         FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[])
           AS s(run_id, step_id, position, name, type, depends_on)`,
      [
        sc((s) => s.runId),
        sc((s) => s.stepId),
        sc((s) => s.position),
        sc((s) => s.name),
        sc((s) => s.type),
        sc((s) => JSON.stringify(s.dependsOn)),
      ],
    );
  }
  return ordered;
}

/** Inserts commit statuses in one statement (commit-statuses.ts insertStatus, many at once). */
export async function insertStatuses(db: Db, statuses: NewStatus[]): Promise<void> {
  if (statuses.length === 0) return;
  const col = <T>(f: (s: NewStatus) => T) => statuses.map(f);
  await db.query(
    `INSERT INTO commit_statuses (repo_id, sha, state, context, description, target_url,
       creator_id)
     SELECT repo_id, sha, state, context, description, target_url, creator_id
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                   $7::bigint[]) WITH ORDINALITY
         AS s(repo_id, sha, state, context, description, target_url, creator_id, o)
      ORDER BY o`,
    [
      col((s) => s.repoId),
      col((s) => s.sha),
      col((s) => s.state),
      col((s) => s.context),
      col((s) => s.description),
      col((s) => s.targetUrl),
      col((s) => s.creatorId),
    ],
  );
}
