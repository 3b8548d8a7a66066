/**
 * Revocation for live run viewers. A viewer is authorised when it connects; its SSE or
 * WebSocket stream then lives in the run's RunStream, out of reach of later checks. So:
 *
 * - every change that can take read access away (a collaborator removed, a repository made
 *   private or deleted) sends the repository's new read policy to the RunStream of each run that
 *   may still have viewers, after the change is committed, and the RunStream ends every viewer
 *   the policy no longer covers (durable-objects/run-stream/run-access.ts);
 * - a viewer that was authorised just before such a change but reached its RunStream just after
 *   the policy was sent is caught by `openViewer`'s second check, made after the RunStream
 *   accepted it: either that check sees the change, or the viewer was already there when the
 *   policy arrived;
 * - the repository's runs feed (runs-feed.ts) is sent the same policy and ends the subscribers it
 *   no longer covers (a subscriber that slips past it still ends at its lifetime).
 */
import type { Db } from '../../../db/client';
import { listCollaborators, type RepoRow } from '../../../db/queries/repositories';
import { listStreamingRunIds } from '../../../db/queries/runs';
import type { ViewerIdentity, ViewerPolicy } from '../../../durable-objects/formats';
import type { Env } from '../../env';
import type { Actor } from '../repos/authz';
import { runStream } from './runs';
import { revokeFeedSubscribers } from './runs-feed';

/** How long after completion a run may still have viewers (replaying a long archive). */
const RECENTLY_COMPLETED_MS = 10 * 60_000;

/** The identity a RunStream keeps for a viewer this actor opens. */
export function viewerIdentity(actor: Actor): ViewerIdentity {
  return { u: actor.user?.id ?? null, s: actor.scopes.has('repo:read') };
}

/** Who may read `repo` now (the rules of authz.ts: owner and collaborators, or everyone). */
export async function readPolicyOf(db: Db, repo: RepoRow): Promise<ViewerPolicy> {
  if (!repo.private) return { public: true, readers: [] };
  const collaborators = await listCollaborators(db, repo.id);
  return { public: false, readers: [repo.owner_id, ...collaborators.map((c) => c.user_id)] };
}

/** The ids of `repo`'s runs that may have viewers (taken before a delete cascades them away). */
export function streamingRunsOf(db: Db, repo: RepoRow, now: Date): Promise<string[]> {
  return listStreamingRunIds(db, repo.id, new Date(now.getTime() - RECENTLY_COMPLETED_MS));
}

/**
 * Sends `policy` to the RunStream of each run in `runIds`; failures are logged, not thrown (the
 * change itself is committed and fresh requests already see it).
 */
export async function revokeRunViewers(
  env: Env,
  runIds: string[],
  policy: ViewerPolicy,
): Promise<number> {
  const results = await Promise.allSettled(
    runIds.map((id) => runStream(env, id).revokeViewers(policy)),
  );
  let ended = 0;
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') ended += r.value;
    else {
      console.error(
        JSON.stringify({
          msg: 'run viewer revocation failed',
          runId: runIds[i],
          error: String(r.reason),
        }),
      );
    }
  });
  return ended;
}

/** Access to `repo` may have narrowed: its live runs' viewers are checked against the new policy. */
export async function repoAccessChanged(
  env: Env,
  db: Db,
  repo: RepoRow,
  now: Date,
): Promise<number> {
  const [runIds, policy] = await Promise.all([
    streamingRunsOf(db, repo, now),
    readPolicyOf(db, repo),
  ]);
  const [feed, runs] = await Promise.all([
    revokeFeedSubscribers(env, repo.id, policy),
    runIds.length === 0 ? 0 : revokeRunViewers(env, runIds, policy),
  ]);
  return feed + runs;
}

/** `repo` was deleted: every viewer of its runs (`runIds`, taken before) and of its feed ends. */
export async function repoViewersGone(env: Env, repoId: string, runIds: string[]): Promise<number> {
  const nobody = { public: false, readers: [] };
  const [feed, runs] = await Promise.all([
    revokeFeedSubscribers(env, repoId, nobody),
    revokeRunViewers(env, runIds, nobody),
  ]);
  return feed + runs;
}
