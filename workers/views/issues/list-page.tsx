/** The issue list (`/{owner}/{repo}/issues?q=`): search with qualifiers, counts, pins, pages. */
import type { Child } from 'hono/jsx';
import type { RepoRow } from '../../../db/queries/repositories';
import type { IssueWithExtras } from '../../services/issues/issues';
import { RepoPage } from '../browse/common';
import { Label, Pager, repoRefOf, StateBadge, TaskProgress, When } from './parts';

export interface IssueListProps {
  user?: { login: string } | undefined;
  repo: RepoRow;
  query: string;
  items: Array<IssueWithExtras & { tasks: { total: number; done: number } }>;
  pinned: IssueWithExtras[];
  open: number;
  closed: number;
  total: number;
  page: number;
  perPage: number;
  now: number;
  /** The viewer's watch form (notifications), when signed in. */
  watch?: Child;
}

/** The query with its `is:` state replaced (for the Open/Closed count links). */
function withState(q: string, state: 'open' | 'closed'): string {
  const rest = q.replace(/(^|\s)(is|state):(open|closed)(?=\s|$)/gi, ' ').trim();
  return `is:${state}${rest ? ` ${rest}` : ''}`;
}

export function IssueListPage(p: IssueListProps) {
  const base = `/${p.repo.owner_login}/${p.repo.name}`;
  const href = (q: string, page = 1) =>
    `${base}/issues?${new URLSearchParams({ q, ...(page > 1 ? { page: String(page) } : {}) })}`;
  const state = /(^|\s)is:closed(\s|$)/i.test(p.query)
    ? 'closed'
    : /(^|\s)is:open(\s|$)/i.test(p.query)
      ? 'open'
      : undefined;
  const repo = repoRefOf(p.repo);
  return (
    <RepoPage
      title={`Issues · ${p.repo.owner_login}/${p.repo.name}`}
      user={p.user}
      repo={repo}
      tab="issues"
    >
      <div class="bar">
        <form method="get" action={`${base}/issues`} role="search" style="flex:1">
          <label for="issue-q" class="muted">
            Search
          </label>
          <input id="issue-q" name="q" value={p.query} style="flex:1" data-slash-focus />
          <button type="submit">Search</button>
        </form>
        <a href={`${base}/labels`}>Labels</a>
        <a href={`${base}/milestones`}>Milestones</a>
        {p.watch}
        {p.user ? (
          <a class="button" href={`${base}/issues/new`}>
            New issue
          </a>
        ) : null}
      </div>
      {p.pinned.length > 0 ? (
        <section aria-label="Pinned issues">
          <h2>Pinned</h2>
          <ul>
            {p.pinned.map(({ issue }) => (
              <li>
                <a href={`${base}/issues/${issue.number}`}>{issue.title}</a>{' '}
                <span class="muted">#{issue.number}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <p class="issue-counts">
        <a
          href={href(withState(p.query, 'open'))}
          aria-current={state === 'open' ? 'true' : undefined}
        >
          ○ {p.open} Open
        </a>
        <a
          href={href(withState(p.query, 'closed'))}
          aria-current={state === 'closed' ? 'true' : undefined}
        >
          ● {p.closed} Closed
        </a>
      </p>
      {p.items.length === 0 ? (
        <p>
          No issues match <code>{p.query}</code>.{' '}
          {p.user ? (
            <a href={`${base}/issues/new`}>Open one</a>
          ) : (
            <a href={`/login?next=${base}/issues/new`}>Sign in to open one</a>
          )}
          .
        </p>
      ) : (
        <table class="issues">
          <tbody>
            {p.items.map(({ issue, extras, tasks }) => (
              <tr>
                <td>
                  <StateBadge issue={issue} />
                </td>
                <td>
                  <a class="title" href={`${base}/issues/${issue.number}`}>
                    {issue.title}
                  </a>{' '}
                  {extras.labels.map((l) => (
                    <Label label={l} href={href(`is:open label:"${l.name}"`)} />
                  ))}
                  <br />
                  <span class="muted">
                    #{issue.number} opened <When at={issue.created_at} now={p.now} /> by{' '}
                    {issue.author_login ?? 'ghost'}
                    {extras.milestone ? ` · ${extras.milestone.title}` : ''}
                    {issue.locked ? ' · locked' : ''}
                  </span>{' '}
                  <TaskProgress {...tasks} />
                </td>
                <td class="muted">{extras.assignees.map((a) => a.login).join(', ')}</td>
                <td class="muted" title="comments">
                  {issue.comments_count > 0 ? `${issue.comments_count} comments` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager
        page={p.page}
        last={Math.max(1, Math.ceil(p.total / p.perPage))}
        href={(n) => href(p.query, n)}
      />
    </RepoPage>
  );
}
