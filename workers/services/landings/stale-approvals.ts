/**
 * Stale approvals (docs/design/landing-requests.md §7): an approval of an earlier revision still
 * stands when the interdiff from that revision to the current one is empty (a trivial rebase),
 * and is stale otherwise. When the target branch's rule dismisses stale approvals, they are
 * dismissed as the new revision arrives (a push to `refs/for/…` or to the landing's source
 * branch: `dismissOnNewRevision`), each recorded on the timeline as `review_dismissed` with the
 * reason `new revision <n>`; judging a land dismisses any left over (a rule switched on later).
 */
import type { Db } from '../../../db/client';
import { dismissReviews, listReviews, type ReviewRow } from '../../../db/queries/landing-reviews';
import { listRevisions, type LandingRow, type RevisionRow } from '../../../db/queries/landings';
import type { ObjectReader } from '../browse/objects';
import { recordActivity } from '../issues/events';
import { ruleFor, type ProtectionRule } from '../repos/branch-protection';
import { interdiffRevisions, onlyRebased } from './engine/interdiff';

/** Each reviewer's latest verdict (a comment does not replace an approval). */
export function latestVerdicts(reviews: ReviewRow[]): Map<string, ReviewRow> {
  const out = new Map<string, ReviewRow>();
  for (const r of reviews) {
    const who = r.reviewer_login ?? '';
    if (r.state === 'commented' && out.has(who)) continue;
    out.set(who, r);
  }
  return out;
}

/** An approval that is a reviewer's latest verdict, and whether it stands on `current`. */
export interface ApprovalStanding {
  review: ReviewRow;
  /** On the current revision, or on an earlier one with an empty interdiff since. */
  current: boolean;
}

/** The standing of each reviewer's latest approval against the last of `revisions`. */
export async function approvalStandings(
  objects: ObjectReader,
  reviews: ReviewRow[],
  revisions: RevisionRow[],
): Promise<ApprovalStanding[]> {
  const last = revisions[revisions.length - 1];
  if (!last) return [];
  const trivial = new Map<number, boolean>();
  const out: ApprovalStanding[] = [];
  for (const r of latestVerdicts(reviews).values()) {
    if (r.state !== 'approved' || r.reviewer_id === null) continue;
    if (r.revision === last.number) {
      out.push({ review: r, current: true });
      continue;
    }
    let same = trivial.get(r.revision);
    if (same === undefined) {
      const old = revisions.find((x) => x.number === r.revision);
      same =
        old !== undefined &&
        onlyRebased(
          await interdiffRevisions(
            objects,
            { head: old.head_oid, base: old.base_oid },
            { head: last.head_oid, base: last.base_oid },
          ),
        );
      trivial.set(r.revision, same);
    }
    out.push({ review: r, current: same });
  }
  return out;
}

/** Dismisses `stale` approvals because of revision `revision`, on the timeline too. */
export async function dismissStale(
  db: Db,
  landing: LandingRow,
  stale: ReviewRow[],
  d: { revision: number; actorId: string | null; now: Date },
): Promise<void> {
  if (stale.length === 0) return;
  const reason = `new revision ${d.revision}`;
  await dismissReviews(
    db,
    landing.id,
    stale.map((r) => r.id),
    { by: null, reason, now: d.now },
  );
  await recordActivity(db, landing.id, {
    events: stale.map((r) => ({
      issueId: landing.id,
      actorId: d.actorId,
      event: 'review_dismissed' as const,
      data: {
        // GitHub's review_dismissed shape, with the revision the review was on.
        dismissed_review: {
          state: r.state,
          review_id: Number(r.id),
          dismissal_message: reason,
          revision: r.revision,
        },
        reviewer: r.reviewer_login,
        automatic: true,
      },
      now: d.now,
    })),
  });
}

/**
 * After revision `revision` of `landing` was recorded: dismisses the approvals it made stale
 * when the rule governing the target (from `rules`, read once per push) says so; the
 * reviewers whose approval was dismissed.
 */
export async function dismissOnNewRevision(
  db: Db,
  objects: ObjectReader,
  landing: LandingRow,
  rules: ProtectionRule[],
  d: { actorId: string | null; now: Date },
): Promise<string[]> {
  if (!ruleFor(rules, landing.target_branch)?.dismissStaleApprovals) return [];
  const revisions = await listRevisions(db, landing.id);
  const last = revisions[revisions.length - 1];
  if (!last) return [];
  const reviews = await listReviews(db, landing.id);
  const stale = (await approvalStandings(objects, reviews, revisions))
    .filter((x) => !x.current)
    .map((x) => x.review);
  await dismissStale(db, landing, stale, { revision: last.number, ...d });
  return stale.map((r) => r.reviewer_login ?? '');
}
