/**
 * The edit history of a comment (`/{owner}/{repo}/issues/{n}/comments/{id}/history`) or of the
 * issue's own body (`/{owner}/{repo}/issues/{n}/history`): the current text and every earlier
 * version, newest first, each with who changed it and when. Earlier versions are shown as their
 * Markdown source, as written.
 */
import type { CommentRow, EditRow } from '../../../db/queries/issue-comments';
import type { IssueRow } from '../../../db/queries/issues';
import type { RepoRow } from '../../../db/queries/repositories';
import { RepoPage } from '../browse/common';
import { repoRefOf, When } from './parts';

export interface CommentHistoryProps {
  user?: { login: string } | undefined;
  repo: RepoRow;
  issue: IssueRow;
  /** Absent: the history of the issue's body. */
  comment?: CommentRow | undefined;
  edits: EditRow[];
  now: number;
}

export function CommentHistoryPage(p: CommentHistoryProps) {
  const issuePath = `/${p.repo.owner_login}/${p.repo.name}/issues/${p.issue.number}`;
  const repo = repoRefOf(p.repo);
  const text = p.comment ?? p.issue;
  const author = text.author_login ?? 'ghost';
  // Version k (0 = current) was written by the editor of edit k-1, or by the author at first.
  const versions = [text.body, ...p.edits.map((e) => e.body_before)].map((body, k) => {
    const made = p.edits[k];
    const by = k < p.edits.length ? (made?.editor_login ?? 'ghost') : author;
    const at = k < p.edits.length && made ? made.created_at : text.created_at;
    return { body, by, at, what: k < p.edits.length ? 'edited' : 'wrote' };
  });
  return (
    <RepoPage
      title={`${p.comment ? 'Comment' : 'Description'} history · ${p.issue.title} #${p.issue.number}`}
      user={p.user}
      repo={repo}
      tab="issues"
    >
      <h2>
        Edit history of{' '}
        {p.comment ? (
          <a href={`${issuePath}#issuecomment-${p.comment.id}`}>
            {author}'s comment on #{p.issue.number}
          </a>
        ) : (
          <a href={issuePath}>the description of #{p.issue.number}</a>
        )}
      </h2>
      <p class="muted">
        {p.edits.length === 1 ? '1 edit' : `${p.edits.length} edits`}, newest first.
      </p>
      {versions.map((v, k) => (
        <article
          class="entry"
          aria-label={k === 0 ? 'Current version' : `Version ${versions.length - k}`}
        >
          <header>
            {k === 0 ? <b>Current · </b> : null}
            <b>{v.by}</b> {v.what} <When at={v.at} now={p.now} />
          </header>
          <div class="markdown">
            <pre class="history-text">{v.body}</pre>
          </div>
        </article>
      ))}
    </RepoPage>
  );
}
