/**
 * The Worker's side of the runs feeds (durable-objects/runs-feed/): `publishRuns` tells each
 * touched repository's feed what changed, after the write committed (runs queued by an
 * evaluation report, a run claimed, completed, requeued or lost); `openFeed` opens a subscriber
 * for a viewer the route authorised.
 *
 * What is published is a compact view of the run (`feedRunView`): the runs list's view's summary
 * (runs-view.ts runSummary, what the publishers have at hand) — id, name, path, run_number,
 * run_attempt, event, status, conclusion, head_sha, head_branch, updated_at, url, html_url,
 * stream_url and repository {id, full_name}. The runs list and GET …/actions/runs/:id have the
 * rest.
 *
 * Publishes never fail their caller: one Durable Object call per repository, errors logged; a lost
 * publish costs a viewer only the news of that change (the runs list still has it).
 */
import {
  RUN_VIEWER_HEADER,
  writeViewerIdentity,
  type FeedRun,
  type ViewerIdentity,
  type ViewerPolicy,
} from '../../../durable-objects/formats';
import { runSummary, type RunSummarySource } from './runs-view';
import { AppError } from '../../../common/errors';
import type { Env } from '../../env';

type FeedEnv = Pick<Env, 'RUNS_FEED'>;

/** What a publisher knows of a run (runs-view.ts runSummary's row). */
export type FeedSource = RunSummarySource;

/** A published change: the run's repository and its compact view. */
export interface FeedChange {
  repoId: string;
  run: FeedRun;
}

function feed(env: FeedEnv, repoId: string) {
  return env.RUNS_FEED.get(env.RUNS_FEED.idFromName(String(repoId)));
}

/** The compact view of `run` (of repository `full`, "owner/name") the feed sends. */
export function feedRunView(run: FeedSource, full: string, origin: string): FeedChange {
  return {
    repoId: String(run.repo_id),
    run: {
      ...runSummary(run, full, origin),
      repository: { id: Number(run.repo_id), full_name: full },
    },
  };
}

/**
 * Publishes `changes`, one Durable Object call per repository; resolves when every call answered
 * or failed (never rejects). With `ctx` the calls go on after the response (waitUntil).
 */
export function publishRuns(
  env: FeedEnv,
  changes: FeedChange[],
  ctx?: { waitUntil(promise: Promise<unknown>): void },
): Promise<void> {
  if (changes.length === 0) return Promise.resolve();
  const byRepo = new Map<string, FeedRun[]>();
  for (const c of changes) {
    const list = byRepo.get(c.repoId);
    if (list) list.push(c.run);
    else byRepo.set(c.repoId, [c.run]);
  }
  const calls = [...byRepo].map(async ([repoId, runs]) => {
    try {
      await feed(env, repoId).publish(runs);
    } catch (err) {
      console.error(
        JSON.stringify({ msg: 'runs feed publish failed', repoId, error: String(err) }),
      );
    }
  });
  const all = Promise.all(calls).then(() => undefined);
  if (!ctx) return all;
  ctx.waitUntil(all);
  return Promise.resolve();
}

/**
 * Opens a subscriber of `repoId`'s feed for an authorised viewer `who` (503 when it is full); a
 * later narrowing of access ends it (revokeFeedSubscribers).
 */
export async function openFeed(
  env: FeedEnv,
  repoId: string,
  request: Request,
  who: ViewerIdentity,
): Promise<Response> {
  const inner = new Request('https://runs-feed/sse', {
    signal: request.signal,
    headers: { [RUN_VIEWER_HEADER]: writeViewerIdentity(who) },
  });
  const res = await feed(env, repoId).fetch(inner);
  if (res.status === 503) {
    throw new AppError('unavailable', `${await res.text()}; try again shortly`, {
      code: 'too_many_subscribers',
      retryAfter: 5,
    });
  }
  return res;
}

/** Ends the feed subscribers `policy` no longer covers; failures are logged (0), not thrown. */
export async function revokeFeedSubscribers(
  env: FeedEnv,
  repoId: string,
  policy: ViewerPolicy,
): Promise<number> {
  try {
    return await feed(env, repoId).revoke(policy);
  } catch (err) {
    console.error(
      JSON.stringify({ msg: 'runs feed revocation failed', repoId, error: String(err) }),
    );
    return 0;
  }
}
