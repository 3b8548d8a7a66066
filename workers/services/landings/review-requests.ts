/**
 * Review requests on a landing (GitHub's requested_reviewers): its author or a writer asks users
 * who can read the repository to review; each request is a timeline event and a notification
 * (reason `review_requested`).
 */
import { AppError } from '../../../common/errors';
import {
  addReviewRequests,
  listReviewRequests,
  removeReviewRequests,
  type ReviewRequestRow,
} from '../../../db/queries/landing-comments';
import { touchIssue } from '../../../db/queries/issues';
import { findUserByUsername } from '../../../db/queries/users';
import { readersAmong } from '../repos/authz';
import { editorOf } from '../issues/access';
import { recordActivity } from '../issues/events';
import { landingOf, type LandingScope } from './landings';

export async function reviewRequestsOf(
  s: LandingScope,
  number: number,
): Promise<ReviewRequestRow[]> {
  return listReviewRequests(s.db, (await landingOf(s, number)).id);
}

/** Users named by `logins` (422 naming those that do not exist or cannot read the repo). */
async function reviewersNamed(
  s: LandingScope,
  logins: string[],
): Promise<Array<{ id: string; login: string }>> {
  const found = [];
  for (const login of [...new Set(logins.map((l) => l.toLowerCase()))]) {
    const u = await findUserByUsername(s.db, login);
    if (u) found.push({ id: u.id, login: u.username });
  }
  const readers = new Set(
    await readersAmong(
      s.db,
      s.repo,
      found.map((u) => u.id),
    ),
  );
  const ok = found.filter((u) => readers.has(u.id));
  const missing = logins.filter((l) => !ok.some((u) => u.login.toLowerCase() === l.toLowerCase()));
  if (missing.length > 0) {
    throw AppError.invalid(
      `reviewers: ${missing.join(', ')} cannot be asked to review (not a user who can read this repository)`,
      'reviewers_invalid',
    );
  }
  return ok;
}

/** Asks `logins` to review landing `number` (add) or withdraws the request (remove). */
export async function changeReviewRequests(
  s: LandingScope,
  number: number,
  logins: string[],
  mode: 'add' | 'remove',
): Promise<void> {
  const landing = await landingOf(s, number);
  const user = await editorOf(s, landing.author_id);
  const users = await reviewersNamed(s, logins);
  if (mode === 'add' && users.some((u) => u.id === landing.author_id)) {
    throw AppError.invalid(
      'The author of a landing cannot be asked to review it',
      'reviewers_invalid',
    );
  }
  const ids = users.map((u) => u.id);
  const loginOf = new Map(users.map((u) => [u.id, u.login]));
  await s.db.transaction(async (db) => {
    const changed =
      mode === 'add'
        ? await addReviewRequests(db, landing.id, ids, user.id, s.now)
        : await removeReviewRequests(db, landing.id, ids);
    const event = mode === 'add' ? 'review_requested' : 'review_request_removed';
    await recordActivity(db, landing.id, {
      events: changed.map((id) => ({
        issueId: landing.id,
        actorId: user.id,
        event,
        data: { requested_reviewer: { login: loginOf.get(id) ?? '', id: Number(id) } },
        now: s.now,
      })),
      requested: mode === 'add' ? changed : [],
    });
    if (changed.length > 0) await touchIssue(db, landing.id, s.now);
  });
}
