/**
 * The controller's side of events: claim the fairest pending event (after sweeping expired
 * leases) with the other push events at its commit as siblings, or fail one. Their evaluation
 * reports are recorded by workflow-reports.ts.
 */
import type { Db } from '../../../db/client';
import { findRepoById, type RepoRow } from '../../../db/queries/repositories';
import {
  claimEventAndSiblings,
  finishEvent,
  type EventRow,
} from '../../../db/queries/workflow-events';
import { listWorkflows, type WorkflowRow } from '../../../db/queries/workflows';
import type { Env } from '../../env';
import { AppError } from '../../../common/errors';
import { eventCheckoutToken } from '../runs/job-credentials';
import { sdkEventOf } from './workflow-events';
import { leaseSecondsOf, repoLimitOf, sweepLeases, type Lease } from '../runs/workflow-leases';
import { secretNames } from './workflow-secrets';
import { workflowFilesAt } from './workflow-files';

/**
 * Push events at the claimed event's commit handed out with it (claimEventAndSiblings): the
 * controller evaluates the commit's workflow files once for all of them.
 */
export const PUSH_EVENT_SIBLINGS = 1000;

/** The workflows of the repository's last evaluation of its default branch, by file and name. */
export function workflowsOf(db: Db, repoId: string): Promise<WorkflowRow[]> {
  return listWorkflows(db, repoId);
}

/**
 * Claims the fairest pending event for `owner` (optionally only `repoOwner`'s repositories),
 * with up to PUSH_EVENT_SIBLINGS other push events at its commit as `siblings`.
 */
export async function claimEvent(
  db: Db,
  env: Env,
  owner: string,
  leaseSeconds: number | undefined,
  origin: string,
  now: Date,
  repoOwner?: string,
  sweep = true,
) {
  if (sweep) await sweepLeases(db, env, origin, now);
  const seconds = leaseSecondsOf(env, leaseSeconds);
  // Siblings are reported after the claimed event: their leases allow for that on top of the
  // claim's own lease.
  const later = seconds + PUSH_EVENT_SIBLINGS / 5;
  const limits = { repoOwner, perRepo: repoLimitOf(env), siblings: PUSH_EVENT_SIBLINGS };
  for (;;) {
    const lease = { seconds, siblingSeconds: later, now };
    const claimed = await claimEventAndSiblings(db, owner, lease, limits);
    if (!claimed) return undefined;
    const { event: e, siblings } = claimed;
    const repo = await findRepoById(db, e.repo_id);
    if (!repo) continue;
    const [names, files] = await Promise.all([
      secretNames(db, repo.id),
      e.after_sha ? workflowFilesAt(env, repo, e.after_sha) : undefined,
    ]);
    return {
      ...claimedOf(e, repo, names, owner, seconds),
      // Reads the event's repository (git) while this claim holds: services/runs/job-credentials.ts.
      token: await eventCheckoutToken(env, e.id, e.lease_epoch),
      // What evaluation reads, so it need not wait for the checkout (workflow-files.ts).
      ...(files ? { workflow_files: files } : {}),
      ...(siblings.length > 0
        ? { siblings: siblings.map((s) => claimedOf(s, repo, names, owner, later)) }
        : {}),
    };
  }
}

/** A claimed event as the controller sees it (common/schemas/internal-controller.ts). */
function claimedOf(e: EventRow, repo: RepoRow, names: string[], owner: string, seconds: number) {
  return {
    event: {
      id: Number(e.id),
      type: e.type,
      ref: e.ref,
      sha: e.after_sha,
      before: e.before_sha,
      actor_id: e.actor_id === null ? null : Number(e.actor_id),
      attempt: e.attempt,
      repo: {
        id: Number(repo.id),
        full_name: `${repo.owner_login}/${repo.name}`,
        default_branch: repo.default_branch,
      },
    },
    sdk_event: sdkEventOf(e, repo, names),
    lease: { owner, epoch: e.lease_epoch, expires_at: e.lease_expires_at, seconds },
  };
}

/** Marks an event failed (e.g. its commit could not be fetched). */
export async function failEvent(
  db: Db,
  eventId: string,
  lease: Lease,
  error: string | undefined,
  now: Date,
): Promise<void> {
  const message = error?.slice(0, 2000) ?? 'failed';
  if (!(await finishEvent(db, eventId, lease, 'failed', message, now))) {
    throw AppError.conflict('The event lease was lost or the event is finished', 'lease_lost');
  }
}
