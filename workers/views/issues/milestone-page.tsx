/**
 * One milestone (`/{owner}/{repo}/milestones/{number}?state=open|closed`): its title, state,
 * due date, description and progress (a bar with the same in words), then its open or closed
 * issues, a page at a time, with a link to the same search in the issue list.
 */
import type { MilestoneRow } from '../../../db/queries/issue-meta';
import type { RepoRow } from '../../../db/queries/repositories';
import type { IssueWithExtras } from '../../services/issues/issues';
import { RepoPage } from '../browse/common';
import { issuesHref } from './labels-page';
import { Due, MilestoneProgress } from './milestones-page';
import { IssuesNav, Label, Pager, repoRefOf, StateBadge, When } from './parts';

export interface MilestonePageProps {
  user?: { login: string } | undefined;
  repo: RepoRow;
  milestone: MilestoneRow;
  state: 'open' | 'closed';
  items: IssueWithExtras[];
  total: number;
  page: number;
  perPage: number;
  now: number;
}

export function MilestonePage(p: MilestonePageProps) {
  const base = `/${p.repo.owner_login}/${p.repo.name}`;
  const repo = repoRefOf(p.repo);
  const m = p.milestone;
  const self = `${base}/milestones/${m.number}`;
  const href = (state: 'open' | 'closed', page = 1) =>
    `${self}?state=${state}${page > 1 ? `&page=${page}` : ''}`;
  return (
    <RepoPage
      title={`${m.title} · Milestones · ${repo.owner}/${repo.name}`}
      user={p.user}
      repo={repo}
      tab="issues"
    >
      <IssuesNav base={base} current="milestones" />
      <h2>
        {m.title} <span class="muted">{m.state === 'open' ? '○ Open' : '● Closed'}</span>
      </h2>
      <p class="muted">
        <Due m={m} now={p.now} />
      </p>
      {m.description ? <p>{m.description}</p> : null}
      <p>
        <MilestoneProgress m={m} />
      </p>
      <p class="issue-counts">
        <a href={href('open')} aria-current={p.state === 'open' ? 'true' : undefined}>
          ○ {m.open_issues} Open
        </a>
        <a href={href('closed')} aria-current={p.state === 'closed' ? 'true' : undefined}>
          ● {m.closed_issues} Closed
        </a>{' '}
        <a class="muted" href={issuesHref(base, `is:${p.state} milestone:"${m.title}"`)}>
          Search these in the issue list
        </a>
      </p>
      {p.items.length === 0 ? (
        <p>No {p.state} issues in this milestone.</p>
      ) : (
        <table class="issues" aria-label={`${p.state === 'open' ? 'Open' : 'Closed'} issues`}>
          <tbody>
            {p.items.map(({ issue, extras }) => (
              <tr>
                <td>
                  <StateBadge issue={issue} />
                </td>
                <td>
                  <a class="title" href={`${base}/issues/${issue.number}`}>
                    {issue.title}
                  </a>{' '}
                  {extras.labels.map((l) => (
                    <Label label={l} />
                  ))}
                  <br />
                  <span class="muted">
                    #{issue.number} opened <When at={issue.created_at} now={p.now} /> by{' '}
                    {issue.author_login ?? 'ghost'}
                  </span>
                </td>
                <td class="muted">{extras.assignees.map((a) => a.login).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager
        page={p.page}
        last={Math.max(1, Math.ceil(p.total / p.perPage))}
        href={(n) => href(p.state, n)}
      />
    </RepoPage>
  );
}
