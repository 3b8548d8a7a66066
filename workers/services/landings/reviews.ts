/**
 * Review verdicts on landing requests (GitHub's pull request reviews): comment (read access),
 * approve or request changes (write access; never on one's own landing), dismiss (write), and
 * the approvals that still count for branch protection. An approval of an older revision is
 * stale only when the interdiff since that revision is not empty (docs/design/landing-requests.md
 * §7): a trivial rebase keeps it; when the rule dismisses stale approvals, the others are
 * dismissed as the new revision arrives (stale-approvals.ts), else the first time they are judged.
 * Every dismissal, by hand or as stale, is a `review_dismissed` timeline event. The agent
 * account's approvals are shown but never counted (an agent's review is advice; required
 * approvals come from people).
 */
import { z } from 'zod';
import { AppError } from '../../../common/errors';
import {
  dismissReviews,
  findReview,
  insertReview,
  listReviews,
  type ReviewRow,
} from '../../../db/queries/landing-reviews';
import { listRevisions, type LandingRow, type RevisionRow } from '../../../db/queries/landings';
import { upsertThreads } from '../../../db/queries/notifications';
import type { ObjectReader } from '../browse/objects';
import { AGENT_LOGIN } from '../agents/agent-account';
import { participant, requireLevel, type RepoScope } from '../issues/access';
import { recordActivity } from '../issues/events';
import { landingOf } from './landings';
import { approvalStandings, dismissStale } from './stale-approvals';

export type { ReviewRow };
export { latestVerdicts } from './stale-approvals';

export const reviewInput = z.object({
  event: z.enum(['APPROVE', 'REQUEST_CHANGES', 'COMMENT']),
  body: z.string().max(65536).optional(),
  /** GitHub's commit_id: the head the reviewer saw; refused when the landing moved since. */
  commit_id: z
    .string()
    .regex(/^[0-9a-f]{40}$/)
    .optional(),
});
export type ReviewInput = z.infer<typeof reviewInput>;

export const dismissInput = z.object({ message: z.string().min(1).max(1024) });

const STATE = {
  APPROVE: 'approved',
  REQUEST_CHANGES: 'changes_requested',
  COMMENT: 'commented',
} as const;

/** GitHub's review shape. */
export function reviewView(r: ReviewRow, htmlUrl: string) {
  return {
    id: Number(r.id),
    user: r.reviewer_login === null ? null : { login: r.reviewer_login },
    body: r.body,
    state: r.state.toUpperCase(),
    commit_id: r.commit_oid,
    revision: r.revision,
    submitted_at: r.created_at.toISOString(),
    html_url: `${htmlUrl}#review-${r.id}`,
    ...(r.dismissed_at
      ? {
          dismissed: {
            at: r.dismissed_at.toISOString(),
            by: r.dismissed_by_login,
            reason: r.dismissed_reason,
            was: r.dismissed_state?.toUpperCase() ?? null,
          },
        }
      : {}),
  };
}

/** Submits a review on the landing's latest revision. */
export async function submitReview(
  s: RepoScope,
  number: number,
  input: ReviewInput,
): Promise<ReviewRow> {
  const user = participant(s);
  const landing = await landingOf(s, number);
  if (STATE[input.event] !== 'commented') await requireLevel(s, 'write');
  return recordReview(s, landing, user.id, input);
}

/**
 * Records a review by `userId` whose right to give it the caller has checked (submitReview: write
 * access for a verdict; the agent's review tool: its prompt's declaration, forge-review.ts).
 */
export async function recordReview(
  s: RepoScope,
  landing: LandingRow,
  userId: string,
  input: ReviewInput,
): Promise<ReviewRow> {
  const user = { id: userId };
  const state = STATE[input.event];
  if (state !== 'commented') {
    if (landing.author_id === user.id) {
      throw AppError.invalid(
        state === 'approved'
          ? 'You cannot approve your own landing request'
          : 'You cannot request changes on your own landing request',
        'own_landing',
      );
    }
    if (landing.landing_state !== 'open') {
      throw AppError.invalid('This landing request is not open', 'landing_not_open');
    }
  }
  if (state !== 'approved' && (input.body ?? '').trim() === '') {
    throw AppError.invalid('This review needs a body', 'body_required');
  }
  const latest = (await listRevisions(s.db, landing.id)).pop();
  if (!latest) throw AppError.conflict('The landing has no revision yet', 'no_revision');
  if (input.commit_id !== undefined && input.commit_id !== latest.head_oid) {
    throw AppError.conflict(
      `The landing moved to ${latest.head_oid.slice(0, 7)} since you reviewed ${input.commit_id.slice(0, 7)}`,
      'landing_moved',
    );
  }
  const review = await insertReview(s.db, {
    landingId: landing.id,
    revision: latest.number,
    reviewerId: user.id,
    state,
    body: input.body ?? '',
    commitOid: latest.head_oid,
    now: s.now,
  });
  if (landing.author_id !== null && landing.author_id !== user.id) {
    await upsertThreads(s.db, landing.id, [{ userId: landing.author_id, reason: 'author' }], {
      actorId: user.id,
      event: 'reviewed',
      commentId: null,
      now: s.now,
    });
  }
  return review;
}

export async function reviewsOf(s: RepoScope, number: number): Promise<ReviewRow[]> {
  return listReviews(s.db, (await landingOf(s, number)).id);
}

/** Dismisses a review (write access; approvals and change requests only). */
export async function dismissReview(
  s: RepoScope,
  number: number,
  id: string,
  message: string,
): Promise<ReviewRow> {
  const user = participant(s);
  const landing = await landingOf(s, number);
  await requireLevel(s, 'write');
  const review = await findReview(s.db, landing.id, id);
  if (!review) throw AppError.notFound('Review not found', 'review_not_found');
  if (review.state !== 'approved' && review.state !== 'changes_requested') {
    throw AppError.invalid(`A ${review.state} review cannot be dismissed`, 'not_dismissable');
  }
  await dismissReviews(s.db, landing.id, [review.id], { by: user.id, reason: message, now: s.now });
  await recordActivity(s.db, landing.id, {
    events: [
      {
        issueId: landing.id,
        actorId: user.id,
        event: 'review_dismissed',
        data: {
          // GitHub's review_dismissed shape, with the revision the review was on.
          dismissed_review: {
            state: review.state,
            review_id: Number(review.id),
            dismissal_message: message,
            revision: review.revision,
          },
          reviewer: review.reviewer_login,
          automatic: false,
        },
        now: s.now,
      },
    ],
  });
  return (await findReview(s.db, landing.id, id)) ?? review;
}

/**
 * The approvals that count on the current revision, as LandFacts wants them: each reviewer's
 * latest verdict when it is an approval, with the revision it is on. An approval of an older
 * revision whose interdiff to the current one is empty (a trivial rebase) counts as the current
 * revision's; a stale one is dismissed when `dismissStale` (normally it already was, when its
 * revision arrived: stale-approvals.ts), else kept on its own revision (evaluateLand ignores it
 * only when stale ones are dismissed).
 */
export async function countedApprovals(
  s: RepoScope,
  landing: LandingRow,
  revisions: RevisionRow[],
  objects: ObjectReader,
  dismissStaleOnes: boolean,
): Promise<Array<{ user: string; revision: number }>> {
  const current = revisions[revisions.length - 1];
  if (!current) return [];
  const standings = await approvalStandings(
    objects,
    await listReviews(s.db, landing.id),
    revisions,
  );
  const out: Array<{ user: string; revision: number }> = [];
  const stale: ReviewRow[] = [];
  for (const { review: r, current: stands } of standings) {
    // An agent's approval is advice: protection's required reviews come from people.
    if (r.reviewer_login === AGENT_LOGIN) continue;
    const user = r.reviewer_id ?? '';
    if (stands) out.push({ user, revision: current.number });
    else if (dismissStaleOnes) stale.push(r);
    else out.push({ user, revision: r.revision });
  }
  await dismissStale(s.db, landing, stale, {
    revision: current.number,
    actorId: null,
    now: s.now,
  });
  return out;
}
