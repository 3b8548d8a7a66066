/**
 * The controller's side of runs (docs/design/sandbox.md §4.1): claim the oldest queued run with a
 * lease (a fresh run token, the plan, the secrets its steps declare), heartbeat (extends the lease
 * only for the holder at its epoch; says whether a cancel was requested), complete (fenced by the
 * epoch), and the sweep of expired leases: a run is requeued once, then failed with "runner lost" —
 * never left running. The sweep runs on every claim that finds an expired lease
 * (routes/internal/controller.ts) and from the cron.
 */
import type { z } from 'zod';
import type { Db } from '../../../db/client';
import type {
  completeRunRequest,
  heartbeatAnswer,
  heartbeatRequest,
} from '../../../common/schemas/internal-controller';
import { findRepoById } from '../../../db/queries/repositories';
import {
  claimRunLease,
  completeLeasedRun,
  findRunActor,
  heartbeatRun,
  settleStep,
  sweepRunLeases,
} from '../../../db/queries/run-leases';
import {
  CONCLUSIONS,
  findRunById,
  listSteps,
  markRunCompleted,
  type Conclusion,
} from '../../../db/queries/runs';
import { sweepEventLeases } from '../../../db/queries/workflow-events';
import type { Env } from '../../env';
import { AppError } from '../../../common/errors';
import { ingestEvents, publishRunToken, RUN_TOKEN_PREFIX } from './runs';
import { randomBase62, sha256Hex } from '../identity/secrets';
import { secretsForPlan } from '../workflows/workflow-secrets';
import { postRunStatus } from '../repos/statuses';
import { ringClaims } from './claim-bell';
import { feedRunView, publishRuns, type FeedChange } from './runs-feed';
import { publicOrigin } from '../platform/public-url';

/** Lease length: what the controller asked for (2–600 s), else PLUE_RUN_LEASE_SECONDS, else 30. */
export function leaseSecondsOf(env: Env, asked: number | undefined): number {
  if (asked !== undefined && Number.isFinite(asked) && asked >= 2 && asked <= 600) {
    return Math.round(asked);
  }
  const d = Number(env.PLUE_RUN_LEASE_SECONDS);
  return Number.isFinite(d) && d >= 2 ? d : 30;
}

/** Items of one repository in progress at once: PLUE_REPO_CONCURRENCY (1–1000), else 4. */
export function repoLimitOf(env: Env): number | undefined {
  const n = Number(env.PLUE_REPO_CONCURRENCY);
  return Number.isInteger(n) && n >= 1 && n <= 1000 ? n : undefined;
}

/** The `{lease_owner, lease_epoch}` a controller sends with every fenced write. */
export function leaseOf(body: { lease_owner: string; lease_epoch: string }): Lease {
  return { owner: body.lease_owner, epoch: body.lease_epoch };
}

export interface Lease {
  owner: string;
  epoch: string;
}

const isConclusion = (v: unknown): v is Conclusion =>
  typeof v === 'string' && (CONCLUSIONS as readonly string[]).includes(v);

async function repoName(db: Db, repoId: string): Promise<string | undefined> {
  const repo = await findRepoById(db, repoId);
  return repo ? `${repo.owner_login}/${repo.name}` : undefined;
}

/** Publishes runs as they now are (read back) to their repositories' live feeds. */
export async function publishRunsById(
  db: Db,
  env: Env,
  ids: string[],
  origin: string,
): Promise<void> {
  const changes: FeedChange[] = [];
  try {
    for (const id of ids) {
      const run = await findRunById(db, id);
      const full = run && (await repoName(db, run.repo_id));
      if (run && full) changes.push(feedRunView(run, full, origin));
    }
  } catch (err) {
    console.error(JSON.stringify({ msg: 'runs feed read failed', error: String(err) }));
  }
  await publishRuns(env, changes);
}

/** Appends run_completed to the run's log unless it is there (best effort: the row is the truth). */
export async function closeLog(db: Db, env: Env, runId: string, c: Conclusion, message?: string) {
  const run = await findRunById(db, runId);
  if (!run) return;
  const data = { conclusion: c, ...(message ? { message } : {}) };
  await ingestEvents(
    db,
    env,
    run,
    { chunks: [{ event: 'run_completed', data }] },
    new Date(),
  ).catch(() => undefined);
}

/** Posts the run's commit status as the user the run acts for. */
async function postStatusOf(
  db: Db,
  runId: string,
  origin: string | undefined,
  phase: Parameters<typeof postRunStatus>[4],
  description?: string,
): Promise<void> {
  const run = await findRunById(db, runId);
  const full = run && (await repoName(db, run.repo_id));
  if (!run || !full) return;
  const actor = await findRunActor(db, runId);
  await postRunStatus(db, { ...run, actor_id: actor }, full, origin, phase, description);
}

/** Requeues or fails runs whose lease expired, and returns expired events to the queue. */
export async function sweepLeases(
  db: Db,
  env: Env,
  origin: string | undefined,
  now: Date,
): Promise<{ events: number; requeued: number; lost: number }> {
  const events = await sweepEventLeases(db, now);
  const swept = await sweepRunLeases(db, now);
  for (const id of swept.requeued) {
    await postStatusOf(db, id, origin, 'queued', 'Requeued: runner lost');
  }
  for (const lost of swept.lost) {
    // A run whose cancel was requested ends cancelled; otherwise it failed: "runner lost".
    const c = lost.cancel_requested ? 'cancelled' : 'failure';
    if (!(await markRunCompleted(db, lost.id, c, now))) continue;
    await closeLog(db, env, lost.id, c, lost.cancel_requested ? 'cancelled' : 'runner lost');
    await postStatusOf(
      db,
      lost.id,
      origin,
      'cancelled',
      lost.cancel_requested ? 'Cancelled' : 'Runner lost',
    );
  }
  if (events + swept.requeued.length + swept.lost.length > 0) {
    const touched = [...swept.requeued, ...swept.lost.map((l) => l.id)];
    await Promise.all([
      ringClaims(env),
      publishRunsById(db, env, touched, origin ?? publicOrigin(env)),
    ]);
  }
  return { events, requeued: swept.requeued.length, lost: swept.lost.length };
}

/** Claims the next queued run for `owner` (fair across repositories); undefined when none. */
export async function claimRun(
  db: Db,
  env: Env,
  owner: string,
  askedLease: number | undefined,
  origin: string,
  now: Date,
  repoOwner?: string,
  sweep = true,
) {
  if (sweep) await sweepLeases(db, env, origin, now);
  const seconds = leaseSecondsOf(env, askedLease);
  const token = RUN_TOKEN_PREFIX + randomBase62(256);
  const tokenHash = sha256Hex(token);
  const run = await claimRunLease(db, owner, seconds, tokenHash, now, repoOwner, repoLimitOf(env));
  if (!run) return undefined;
  const full = run.repo_full_name;
  // The run's RunStream checks appends against this hash; if it cannot be told, the claim fails
  // and the lease expires into a requeue (the old token must not keep working). The Durable
  // Object call (a new run's RunStream starts) overlaps the database's statements.
  // The repository's live feed hears that the run started, beside the token's publication.
  const started = { ...run, status: 'running' as const, conclusion: null, updated_at: now };
  const [, , secrets] = await Promise.all([
    publishRunToken(env, run.id, tokenHash, run.lease_epoch),
    publishRuns(env, [feedRunView(started, full, origin)]),
    (async () => {
      const found = await secretsForPlan(db, env, run.repo_id, run.plan);
      await postRunStatus(db, run, full, origin, 'running');
      return found;
    })(),
  ]);
  return {
    run: {
      id: Number(run.id),
      run_number: run.run_number,
      workflow_name: run.workflow_name,
      workflow_file: run.workflow_file,
      event: run.event,
      head_sha: run.head_sha,
      head_branch: run.head_branch,
      attempt: run.attempt,
      actor_id: run.actor_id === null ? null : Number(run.actor_id),
      plan: run.plan,
    },
    repo: { id: Number(run.repo_id), full_name: full },
    token,
    secrets,
    lease: { owner, epoch: run.lease_epoch, expires_at: run.lease_expires_at, seconds },
  };
}

/** Extends the holder's lease; says whether a cancel was requested. */
export async function heartbeat(
  db: Db,
  env: Env,
  runId: string,
  body: z.output<typeof heartbeatRequest>,
  now: Date,
): Promise<z.input<typeof heartbeatAnswer>> {
  const lease = leaseOf(body);
  const r = await heartbeatRun(db, runId, lease, leaseSecondsOf(env, body.lease_seconds), now);
  if (!r) throw AppError.conflict('The run lease was lost', 'lease_lost');
  return { cancel_requested: r.cancelRequested };
}

/** Completes a run for the lease holder: conclusion, step results, log end, commit status. */
export async function completeRun(
  db: Db,
  env: Env,
  runId: string,
  body: z.output<typeof completeRunRequest>,
  origin: string,
  now: Date,
): Promise<void> {
  const lease = leaseOf(body);
  const conclusion = body.conclusion;
  if (!(await completeLeasedRun(db, runId, lease, conclusion, now))) {
    throw AppError.conflict('The run lease was lost', 'lease_lost');
  }
  // Its place under the repository's limit is free; its repository's feed hears it completed
  // (read back and published while the steps are settled; awaited before answering).
  const published = publishRunsById(db, env, [runId], origin);
  await ringClaims(env);
  const reported = body.steps ?? {};
  for (const step of await listSteps(db, runId)) {
    const r = reported[step.step_id];
    const exit = r?.exit_code ?? null;
    const c: Conclusion = isConclusion(r?.status)
      ? r.status
      : step.status === 'queued'
        ? 'skipped'
        : conclusion;
    await settleStep(db, runId, step.step_id, c, exit, now);
  }
  const message = body.message?.slice(0, 2000);
  await closeLog(db, env, runId, conclusion, message);
  await postStatusOf(db, runId, origin, conclusion);
  await published;
}
