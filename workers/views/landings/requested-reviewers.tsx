/**
 * The requested reviewers of a landing, beside its reviewers box: who was asked, by whom and
 * when, and for the author or a writer a plain form to ask more people (logins, comma or space
 * separated) and a button to withdraw each request (posting to landing-review.tsx's route).
 */
import type { ReviewRequestRow } from '../../../db/queries/landing-comments';
import { When } from '../issues/parts';

export interface RequestedProps {
  requests: ReviewRequestRow[];
  /** The landing's page path; the form posts to `{action}/requested_reviewers`. */
  action: string;
  /** The viewer may ask for and withdraw reviews. */
  manage: boolean;
  now: number;
}

export function RequestedReviewers(p: RequestedProps) {
  if (p.requests.length === 0 && !p.manage) return null;
  return (
    <aside class="requested-reviewers" aria-label="Requested reviewers">
      <h3>Review requested</h3>
      {p.requests.length === 0 ? (
        <p class="muted">Nobody has been asked to review yet.</p>
      ) : (
        <ul>
          {p.requests.map((r) => (
            <li>
              <b>{r.login}</b>{' '}
              <span class="muted">
                asked by {r.requested_by_login ?? 'ghost'} <When at={r.created_at} now={p.now} />
              </span>
              {p.manage ? (
                <form method="post" action={`${p.action}/requested_reviewers`} class="inline">
                  <input type="hidden" name="reviewers" value={r.login} />
                  <button type="submit" name="mode" value="remove">
                    Withdraw
                  </button>
                </form>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {p.manage ? (
        <form method="post" action={`${p.action}/requested_reviewers`} class="bar">
          <label for="request-reviewers">Ask to review</label>{' '}
          <input id="request-reviewers" name="reviewers" required placeholder="login, login" />{' '}
          <button type="submit" name="mode" value="add">
            Request review
          </button>
        </form>
      ) : null}
    </aside>
  );
}
