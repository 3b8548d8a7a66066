/**
 * Run leases for runner controllers (docs/design/sandbox.md §4.1): claim the oldest queued run (FOR
 * UPDATE SKIP LOCKED, one statement: claim-oldest.ts) with a fresh lease epoch and a fresh run-token digest (a controller that lost
 * its lease also loses its token), heartbeat and complete only as the lease holder at that epoch,
 * and sweep expired leases: requeue once, then fail with "runner lost".
 */
import type { Db } from '../client';
import { claimOldest } from './claim-oldest';
import type { Conclusion } from './runs';

export interface LeasedRun {
  id: string;
  repo_id: string;
  run_number: number;
  workflow_name: string;
  workflow_file: string;
  event: string;
  head_sha: string;
  head_branch: string | null;
  plan: unknown;
  attempt: number;
  lease_owner: string;
  lease_epoch: string;
  lease_expires_at: Date;
  actor_id: string | null;
  event_id: string | null;
  /** `owner/name` of the run's repository. */
  repo_full_name: string;
}

/** A run is retried this many times in all when its controller is lost. */
export const RUN_MAX_ATTEMPTS = 2;

export async function setRunOrigin(
  db: Db,
  runId: string,
  origin: { eventId: string | null; actorId: string | null },
): Promise<void> {
  await db.query(`UPDATE workflow_runs SET event_id = $2, actor_id = $3 WHERE id = $1`, [
    runId,
    origin.eventId,
    origin.actorId,
  ]);
}

/**
 * Claims the next queued run, fairly across owners and repositories and at most `perRepoLimit`
 * running per repository (claim-oldest.ts; of repositories owned by `repoOwner` when given);
 * `tokenHash` replaces the run token's digest.
 */
export async function claimRunLease(
  db: Db,
  owner: string,
  leaseSeconds: number,
  tokenHash: string,
  now: Date,
  repoOwner?: string,
  perRepoLimit?: number,
): Promise<LeasedRun | undefined> {
  const [run] = await claimOldest<LeasedRun>(
    db,
    { table: 'workflow_runs', status: 'queued' },
    repoOwner,
    perRepoLimit,
    {
      set: `status = 'running', lease_owner = $4, lease_epoch = t.lease_epoch + 1,
        lease_expires_at = $5::timestamptz + make_interval(secs => $6), token_hash = $7,
        started_at = COALESCE(t.started_at, $5), updated_at = $5`,
      returning: `t.id::text AS id, t.repo_id::text AS repo_id, t.run_number, t.workflow_name,
        t.workflow_file, t.event, t.head_sha, t.head_branch, t.plan, t.attempt, t.lease_owner,
        t.lease_epoch::text AS lease_epoch, t.lease_expires_at, t.actor_id::text AS actor_id,
        t.event_id::text AS event_id`,
      select: `SELECT upd.*, u.username || '/' || r.name AS repo_full_name
        FROM upd JOIN repositories r ON r.id = upd.repo_id::bigint JOIN users u ON u.id = r.owner_id`,
    },
    [owner, now, leaseSeconds, tokenHash],
  );
  return run;
}

/**
 * Extends the lease of `owner` at `epoch`. Undefined when the lease is lost (stop working);
 * otherwise whether a cancel was requested.
 */
export async function heartbeatRun(
  db: Db,
  runId: string,
  lease: { owner: string; epoch: string },
  leaseSeconds: number,
  now: Date,
): Promise<{ cancelRequested: boolean } | undefined> {
  const [row] = await db.query<{ cancel: boolean }>(
    `UPDATE workflow_runs SET lease_expires_at = $4::timestamptz + make_interval(secs => $5),
       updated_at = $4
     WHERE id = $1 AND lease_owner = $2 AND lease_epoch = $3 AND status = 'running'
     RETURNING cancel_requested_at IS NOT NULL AS cancel`,
    [runId, lease.owner, lease.epoch, now, leaseSeconds],
  );
  return row ? { cancelRequested: row.cancel } : undefined;
}

/** running → completed for the lease holder only; false when the lease was lost. */
export async function completeLeasedRun(
  db: Db,
  runId: string,
  lease: { owner: string; epoch: string },
  conclusion: Conclusion,
  now: Date,
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE workflow_runs SET status = 'completed', conclusion = $4, completed_at = $5,
       updated_at = $5, lease_owner = NULL, lease_expires_at = NULL
     WHERE id = $1 AND lease_owner = $2 AND lease_epoch = $3 AND status = 'running'
     RETURNING id`,
    [runId, lease.owner, lease.epoch, conclusion, now],
  );
  return rows.length > 0;
}

/** Sets a step's final state unless it already has one (compare-and-set). */
export async function settleStep(
  db: Db,
  runId: string,
  stepId: string,
  conclusion: Conclusion,
  exitCode: number | null,
  now: Date,
): Promise<void> {
  await db.query(
    `UPDATE workflow_steps SET status = 'completed', conclusion = $3, exit_code = $4,
       completed_at = $5, started_at = COALESCE(started_at, CASE WHEN $3 = 'skipped'
         THEN NULL ELSE $5::timestamptz END)
     WHERE run_id = $1 AND step_id = $2 AND status <> 'completed'`,
    [runId, stepId, conclusion, exitCode, now],
  );
}

export interface SweptRuns {
  requeued: string[];
  /** Runs to end: their controller was lost too often, or a cancel was already requested. */
  lost: Array<{ id: string; repo_id: string; cancel_requested: boolean }>;
}

/**
 * Expired leases: requeue (attempt + 1) below RUN_MAX_ATTEMPTS unless a cancel was requested;
 * the rest are returned for the caller to end.
 */
export async function sweepRunLeases(db: Db, now: Date): Promise<SweptRuns> {
  return db.transaction(async (tx) => {
    const requeued = await tx.query<{ id: string }>(
      `UPDATE workflow_runs SET status = 'queued', attempt = attempt + 1, lease_owner = NULL,
         lease_expires_at = NULL, updated_at = $1
       WHERE status = 'running' AND lease_expires_at < $1 AND attempt < $2
         AND cancel_requested_at IS NULL
       RETURNING id::text AS id`,
      [now, RUN_MAX_ATTEMPTS],
    );
    if (requeued.length > 0) {
      // Steps the lost controller had started run again from the start.
      await tx.query(
        `UPDATE workflow_steps SET status = 'queued', started_at = NULL
         WHERE run_id = ANY($1::bigint[]) AND status = 'running'`,
        [requeued.map((r) => r.id)],
      );
    }
    const lost = await tx.query<{ id: string; repo_id: string; cancel_requested: boolean }>(
      `SELECT id::text AS id, repo_id::text AS repo_id,
         cancel_requested_at IS NOT NULL AS cancel_requested FROM workflow_runs
       WHERE status = 'running' AND lease_expires_at < $1 FOR UPDATE SKIP LOCKED`,
      [now],
    );
    return { requeued: requeued.map((r) => r.id), lost };
  });
}

/** queued → completed cancelled (a run nobody claimed yet); false when it is not queued. */
export async function cancelQueuedRun(db: Db, runId: string, now: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx.query(
      `UPDATE workflow_runs SET status = 'completed', conclusion = 'cancelled',
         cancel_requested_at = COALESCE(cancel_requested_at, $2), completed_at = $2,
         updated_at = $2
       WHERE id = $1 AND status = 'queued' RETURNING id`,
      [runId, now],
    );
    if (rows.length === 0) return false;
    await tx.query(
      `UPDATE workflow_steps SET status = 'completed', conclusion = 'cancelled', completed_at = $2
       WHERE run_id = $1 AND status <> 'completed'`,
      [runId, now],
    );
    return true;
  });
}

/** The user a run acts as (who pushed, dispatched or re-ran it), if any. */
export async function findRunActor(db: Db, runId: string): Promise<string | null> {
  const [row] = await db.query<{ actor_id: string | null }>(
    `SELECT actor_id::text AS actor_id FROM workflow_runs WHERE id = $1`,
    [runId],
  );
  return row?.actor_id ?? null;
}
