/** Review comments and review requests in the JSON shapes of GitHub's pulls API. */
import type { LineCommentRow, ReviewRequestRow } from '../../../db/queries/landing-comments';
import type { RepoRow } from '../../../db/queries/repositories';
import type { RevisionRow } from '../../../db/queries/landings';
import { parseSuggestion } from './suggestion';

const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());

/** Where a comment is shown: on which revision, at which lines, outdated or not. */
export interface Placement {
  shownOn: RevisionRow;
  startLine?: number;
  endLine?: number;
  outdated: boolean;
  root: LineCommentRow;
}

export function lineCommentView(
  row: LineCommentRow,
  at: Placement,
  number: number,
  revisions: RevisionRow[],
  origin: string,
  repo: RepoRow,
  bodyHtml?: string,
) {
  const full = `${repo.owner_login}/${repo.name}`;
  const written = revisions.find((r) => r.id === row.revision_id);
  const side = row.side === 'base' ? 'LEFT' : 'RIGHT';
  const multi = row.start_line !== row.end_line;
  const shown = at.endLine !== undefined;
  return {
    id: Number(row.id),
    url: `${origin}/api/v1/repos/${full}/landings/comments/${row.id}`,
    html_url: `${origin}/${full}/landings/${number}/files?revision=${at.shownOn.number}#comment-${row.id}`,
    pull_request_review_id: row.review_id === null ? null : Number(row.review_id),
    in_reply_to_id: row.in_reply_to === null ? null : Number(row.in_reply_to),
    path: row.path,
    subject_type: 'line',
    side,
    start_side: multi ? side : null,
    // On the revision asked for (null when the thread is not shown there).
    commit_id: at.shownOn.head_oid,
    revision: at.shownOn.number,
    line: shown ? at.endLine : null,
    start_line: shown && at.startLine !== at.endLine ? at.startLine : null,
    // Where it was written.
    original_commit_id: written?.head_oid ?? null,
    original_revision: row.revision_number,
    original_line: row.end_line,
    original_start_line: multi ? row.start_line : null,
    outdated: at.outdated,
    resolved: at.root.resolved_at !== null,
    resolved_by: at.root.resolved_by_login === null ? null : { login: at.root.resolved_by_login },
    user: row.author_login === null ? null : { login: row.author_login },
    body: row.body,
    ...(bodyHtml === undefined ? {} : { body_html: bodyHtml }),
    suggestion: parseSuggestion(row.body) ?? null,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

export function reviewRequestView(r: ReviewRequestRow) {
  return {
    login: r.login,
    id: Number(r.user_id),
    requested_by: r.requested_by_login === null ? null : { login: r.requested_by_login },
    requested_at: iso(r.created_at),
  };
}
