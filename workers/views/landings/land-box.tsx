/**
 * The review and land parts of a landing page: the reviewers box (each reviewer's latest
 * verdict), the reviews in order, the review form (comment, approve, request changes), and the
 * land box (mergeability with conflicts per file, protection's refusals, required contexts, the
 * method and the Land button; once landed, the landed commit and a "Delete branch" button).
 */
import type { LandingRow } from '../../../db/queries/landings';
import type { LandPanel } from '../../services/landings/land-panel';
import { ShortSha } from '../browse/common';

const WORDS: Record<string, string> = {
  approved: 'approved',
  changes_requested: 'requested changes',
  commented: 'commented',
  dismissed: 'approval dismissed',
};

export function Reviewers(p: { panel: LandPanel }) {
  if (p.panel.latest.length === 0) return null;
  return (
    <ul class="reviewers" aria-label="Reviewers">
      {p.panel.latest.map((r) => (
        <li data-state={r.state}>
          <b>{r.reviewer_login ?? 'ghost'}</b> {WORDS[r.state]}{' '}
          <span class="muted">(revision {r.revision})</span>
        </li>
      ))}
    </ul>
  );
}

export function ReviewList(p: { panel: LandPanel }) {
  return (
    <>
      {p.panel.reviews.map((r) => (
        <article class="entry review" id={`review-${r.id}`} data-state={r.state}>
          <header>
            <b>{r.reviewer_login ?? 'ghost'}</b> {WORDS[r.dismissed_state ?? r.state]} revision{' '}
            {r.revision} (<ShortSha oid={r.commit_oid} />)
            {r.state === 'dismissed' ? (
              <span class="muted"> · dismissed: {r.dismissed_reason}</span>
            ) : null}
          </header>
          {r.body.trim() !== '' ? <p class="review-body">{r.body}</p> : null}
        </article>
      ))}
    </>
  );
}

export function ReviewForm(p: { action: string; panel: LandPanel }) {
  if (!p.panel.mayReview) return null;
  return (
    <form method="post" action={`${p.action}/reviews`} class="review-form" aria-label="Review">
      <input type="hidden" name="commit_id" value={p.panel.head} />
      <label for="review-body">Review (Markdown)</label>
      <textarea id="review-body" name="body" />
      <p class="bar">
        <button type="submit" name="event" value="COMMENT">
          Comment
        </button>
        {p.panel.mayVerdict ? (
          <>
            <button type="submit" name="event" value="APPROVE">
              Approve
            </button>
            <button type="submit" name="event" value="REQUEST_CHANGES">
              Request changes
            </button>
          </>
        ) : null}
      </p>
    </form>
  );
}

export function LandBox(p: { action: string; landing: LandingRow; panel: LandPanel }) {
  const { landing, panel } = p;
  if (landing.landing_state === 'landed') {
    return (
      <section class="land-box" aria-label="Land">
        <p>
          Landed on <code>{landing.target_branch}</code> as{' '}
          {landing.landed_oid ? <ShortSha oid={landing.landed_oid} /> : null} by{' '}
          {landing.landed_by_login ?? 'ghost'}.
        </p>
        {panel.deletableBranch ? (
          <form method="post" action={`${p.action}/delete-branch`}>
            <button type="submit">Delete branch {panel.deletableBranch}</button>
          </form>
        ) : null}
      </section>
    );
  }
  if (landing.landing_state !== 'open') return null;
  return (
    <section class="land-box" aria-label="Land">
      {panel.error ? (
        <p class="error" role="alert">
          {panel.error}
        </p>
      ) : null}
      {panel.mergeable === false ? (
        <div class="conflicts">
          <p>This landing conflicts with {landing.target_branch}:</p>
          <ul aria-label="Conflicts">
            {panel.conflicts.map((c) => (
              <li>
                <code>{c.path}</code> <span class="muted">({c.kind})</span>
              </li>
            ))}
          </ul>
        </div>
      ) : panel.mergeable ? (
        <p class="muted">No conflicts with {landing.target_branch}.</p>
      ) : null}
      {panel.required.length > 0 ? (
        <ul class="required-checks" aria-label="Required checks">
          {panel.required.map((r) => (
            <li data-state={r.state ?? 'expected'}>
              {r.context} <span class="muted">required · {r.state ?? 'expected'}</span>
            </li>
          ))}
        </ul>
      ) : null}
      {panel.refusal ? (
        <p class="land-refusal" role="status">
          {panel.refusal}
        </p>
      ) : null}
      {panel.bypassed.length > 0 ? (
        <p class="muted">As an administrator you bypass: {panel.bypassed.join('; ')}</p>
      ) : null}
      {panel.mayLand ? (
        <form method="post" action={`${p.action}/land`} class="bar">
          <input type="hidden" name="sha" value={panel.head} />
          <label for="land-method">Method</label>
          <select id="land-method" name="method">
            <option value="rebase">Rebase</option>
            <option value="merge">Merge commit</option>
            <option value="fast-forward">Fast-forward</option>
          </select>
          <button type="submit" disabled={panel.refusal !== undefined || panel.mergeable === false}>
            Land
          </button>
        </form>
      ) : null}
    </section>
  );
}
