/** The landings list (`/{owner}/{repo}/landings?state=`): open, closed and landed, with counts. */
import type { LandingRow, LandingState } from '../../../db/queries/landings';
import type { RepoRow } from '../../../db/queries/repositories';
import { RepoPage } from '../browse/common';
import { Pager, repoRefOf, When } from '../issues/parts';
import { LandingBadge, SourceOf } from './parts';

export interface LandingListProps {
  user?: { login: string } | undefined;
  repo: RepoRow;
  state: LandingState | 'all';
  items: LandingRow[];
  counts: Record<LandingState, number>;
  total: number;
  page: number;
  perPage: number;
  now: number;
}

export function LandingListPage(p: LandingListProps) {
  const base = `/${p.repo.owner_login}/${p.repo.name}`;
  const href = (state: string, page = 1) =>
    `${base}/landings?${new URLSearchParams({ state, ...(page > 1 ? { page: String(page) } : {}) })}`;
  const tab = (state: LandingState, symbol: string, label: string) => (
    <a href={href(state)} aria-current={p.state === state ? 'true' : undefined}>
      {symbol} {p.counts[state]} {label}
    </a>
  );
  return (
    <RepoPage
      title={`Landing requests · ${p.repo.owner_login}/${p.repo.name}`}
      user={p.user}
      repo={repoRefOf(p.repo)}
      tab="landings"
    >
      <div class="bar">
        <h2 style="flex:1">Landing requests</h2>
        {p.user ? (
          <a class="button" href={`${base}/compare`}>
            New landing request
          </a>
        ) : null}
      </div>
      <p class="issue-counts">
        {tab('open', '○', 'Open')}
        {tab('landed', '⇥', 'Landed')}
        {tab('closed', '●', 'Closed')}
      </p>
      {p.items.length === 0 ? (
        <p>
          No {p.state === 'all' ? '' : `${p.state} `}landing requests. Open one from{' '}
          <a href={`${base}/compare`}>Compare</a>, from a jj change id on the{' '}
          <a href={`${base}/landings/new`}>new landing request</a> form, or push a change for
          review: <code>git push origin HEAD:refs/for/{p.repo.default_branch}</code>.
        </p>
      ) : (
        <table class="issues">
          <tbody>
            {p.items.map((l) => (
              <tr>
                <td>
                  <LandingBadge landing={l} />
                </td>
                <td>
                  <a class="title" href={`${base}/landings/${l.number}`}>
                    {l.title}
                  </a>
                  <br />
                  <span class="muted">
                    !{l.number} opened <When at={l.created_at} now={p.now} /> by{' '}
                    {l.author_login ?? 'ghost'} · <SourceOf landing={l} /> →{' '}
                    <code>{l.target_branch}</code> · {l.revisions_count} revision
                    {l.revisions_count === 1 ? '' : 's'}
                  </span>
                </td>
                <td class="muted" title="comments">
                  {l.comments_count > 0 ? `${l.comments_count} comments` : ''}
                </td>
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
