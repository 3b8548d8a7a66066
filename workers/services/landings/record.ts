/**
 * The writes every way of opening or updating a landing shares (the web form, the API, a push
 * to `refs/for/…`, a push to a landing's source branch): the issue and landing rows, a revision,
 * the timeline event through the issue machinery (issues/events.ts, which also notifies), and
 * the `pull_request` workflow event (types `opened`, `synchronize`, `closed`, and `landed` through
 * `recordLanded`, for the land operation). The caller has already created the revision refs.
 */
import type { Db } from '../../../db/client';
import {
  insertLanding,
  insertRevision,
  markLanded,
  type LandingRow,
  type NewLanding,
} from '../../../db/queries/landings';
import { insertEvent } from '../../../db/queries/workflow-events';
import { recordActivity } from '../issues/events';
import { findReferences } from '../issues/references';

/** `refs/landings/<n>/<revision>`: where each revision stays reachable. */
export function revisionRef(number: number, revision: number): string {
  return `refs/landings/${number}/${revision}`;
}

export interface RevisionFacts {
  headOid: string;
  baseOid: string;
  targetOid: string;
  changeId: string | null;
  parentChangeId: string | null;
}

/** The SDK's `pull_request` types. */
export type PullRequestAction = 'opened' | 'synchronize' | 'closed' | 'landed';

/** Records a `pull_request` workflow event for the landing's head. */
export async function recordLandingEvent(
  db: Db,
  l: { repoId: string; number: number; target: string; revision: number; head: string },
  action: PullRequestAction,
  actorId: string | null,
  before: string | null = null,
): Promise<void> {
  await insertEvent(db, {
    repoId: l.repoId,
    type: 'pull_request',
    ref: revisionRef(l.number, l.revision),
    beforeSha: before,
    afterSha: l.head,
    actorId,
    payload: { action, number: l.number, target: l.target, revision: l.revision },
  });
}

/** Opens a landing with its first revision (inside the caller's transaction); its issue id. */
export async function openLandingRows(db: Db, l: NewLanding, rev: RevisionFacts): Promise<string> {
  const id = await insertLanding(db, l);
  await insertRevision(db, { landingId: id, number: 1, pusherId: l.authorId, now: l.now, ...rev });
  await recordActivity(db, id, {
    events: [{ issueId: id, actorId: l.authorId, event: 'opened', now: l.now }],
    mentioned: findReferences(l.body).mentions,
  });
  await recordLandingEvent(
    db,
    { repoId: l.repoId, number: l.number, target: l.targetBranch, revision: 1, head: rev.headOid },
    'opened',
    l.authorId,
  );
  return id;
}

/** Adds revision `number` to an open landing (inside the caller's transaction). */
export async function addRevisionRows(
  db: Db,
  landing: LandingRow,
  number: number,
  rev: RevisionFacts,
  pusher: { id: string | null; now: Date; before: string | null },
): Promise<void> {
  await insertRevision(db, {
    landingId: landing.id,
    number,
    pusherId: pusher.id,
    now: pusher.now,
    ...rev,
  });
  await recordActivity(db, landing.id, {
    events: [
      {
        issueId: landing.id,
        actorId: pusher.id,
        event: 'revision_pushed',
        data: { revision: number, head: rev.headOid, before: pusher.before },
        now: pusher.now,
      },
    ],
  });
  await recordLandingEvent(
    db,
    {
      repoId: landing.repo_id,
      number: landing.number,
      target: landing.target_branch,
      revision: number,
      head: rev.headOid,
    },
    'synchronize',
    pusher.id,
    pusher.before,
  );
}

/**
 * Records that a landing landed (for the land operation, after its compare-and-swap moved the
 * target to `oid`): the landing's state, its issue closed as completed, the `landed` timeline
 * event and the `landed` workflow event on the landed commit. False when it was not open.
 */
export async function recordLanded(
  db: Db,
  landing: LandingRow,
  l: { landerId: string | null; oid: string; revision: number; now: Date },
): Promise<boolean> {
  if (!(await markLanded(db, landing.id, l))) return false;
  await recordActivity(db, landing.id, {
    events: [
      {
        issueId: landing.id,
        actorId: l.landerId,
        event: 'landed',
        data: { commit_id: l.oid, revision: l.revision },
        now: l.now,
      },
    ],
  });
  await recordLandingEvent(
    db,
    {
      repoId: landing.repo_id,
      number: landing.number,
      target: landing.target_branch,
      revision: l.revision,
      head: l.oid,
    },
    'landed',
    l.landerId,
  );
  return true;
}
