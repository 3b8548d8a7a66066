/**
 * What people do to runs: cancel (a queued run ends at once; a running one gets
 * cancel_requested_at, which its controller sees on the next heartbeat, kills the steps and
 * reports `cancelled`), and re-run (a new queued run of the same plan at the same commit).
 */
import type { Db } from '../../../db/client';
import type { RepoRow } from '../../../db/queries/repositories';
import { cancelQueuedRun, setRunOrigin } from '../../../db/queries/run-leases';
import { requestCancel, type RunRow } from '../../../db/queries/runs';
import type { Env } from '../../env';
import { AppError } from '../../../common/errors';
import { createRun } from './runs';
import { closeLog } from './workflow-leases';
import { ringClaims } from './claim-bell';
import { feedRunView, publishRuns } from './runs-feed';
import { postRunStatus } from '../repos/statuses';

const fullName = (repo: RepoRow): string => `${repo.owner_login}/${repo.name}`;

export async function cancelRun(
  db: Db,
  env: Env,
  repo: RepoRow,
  run: RunRow,
  origin: string,
): Promise<void> {
  const now = new Date();
  if (run.status === 'completed') {
    throw AppError.conflict('Cannot cancel a workflow run that is completed', 'run_completed');
  }
  if (await cancelQueuedRun(db, run.id, now)) {
    const ended = { ...run, status: 'completed' as const, conclusion: 'cancelled' as const };
    await publishRuns(env, [feedRunView({ ...ended, updated_at: now }, fullName(repo), origin)]);
    await closeLog(db, env, run.id, 'cancelled', 'cancelled before it started');
    await postRunStatus(db, run, fullName(repo), origin, 'cancelled');
    return;
  }
  if (!(await requestCancel(db, run.id, now))) {
    throw AppError.conflict('Cannot cancel a workflow run that is completed', 'run_completed');
  }
}

/** Queues a new run of `run`'s plan at its commit, started by `actorId`. */
export async function rerunRun(
  db: Db,
  env: Env,
  repo: RepoRow,
  run: RunRow,
  actorId: string,
  origin: string,
): Promise<RunRow> {
  if (run.status !== 'completed') {
    throw AppError.conflict('The run is still in progress; cancel it first', 'run_in_progress');
  }
  const plan = run.plan as { error?: unknown } | null;
  if (plan === null || plan.error !== undefined) {
    throw AppError.invalid(
      'This run has no plan to repeat (its workflow file did not evaluate); fix it and push',
      'run_not_rerunnable',
    );
  }
  const { run: again } = await createRun(db, {
    repoId: repo.id,
    workflowName: run.workflow_name,
    workflowFile: run.workflow_file,
    event: run.event,
    headSha: run.head_sha,
    headBranch: run.head_branch,
    plan: run.plan,
  });
  await setRunOrigin(db, again.id, { eventId: null, actorId });
  await Promise.all([
    ringClaims(env),
    publishRuns(env, [feedRunView(again, fullName(repo), origin)]),
  ]);
  await postRunStatus(db, { ...again, actor_id: actorId }, fullName(repo), origin, 'queued');
  return again;
}
