/** A dense table of repositories with pagination links, used by the dashboard and Explore. */
import type { RepoRow } from '../../db/queries/repositories';
import { relativeTime } from './browse/common';

export interface RepoListProps {
  rows: RepoRow[];
  total: number;
  page: number;
  perPage: number;
  /** Base URL of this listing, for page links. */
  base: string;
  now: number;
  empty: string;
}

export function RepoList(p: RepoListProps) {
  if (p.rows.length === 0) return <p class="muted">{p.empty}</p>;
  const pages = Math.max(1, Math.ceil(p.total / p.perPage));
  return (
    <>
      <table>
        <thead>
          <tr>
            <th scope="col">Repository</th>
            <th scope="col">Description</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {p.rows.map((r) => {
            // "Updated" is the later of a record edit and a push.
            const at = r.pushed_at && r.pushed_at > r.updated_at ? r.pushed_at : r.updated_at;
            return (
              <tr>
                <td class="mono">
                  <a href={`/${r.owner_login}/${r.name}`}>
                    {r.owner_login} / {r.name}
                  </a>
                  {r.private ? ' (private)' : ''}
                </td>
                <td>{r.description}</td>
                <td>
                  <time datetime={at.toISOString()} title={at.toISOString()}>
                    {relativeTime(Math.floor(at.getTime() / 1000), p.now)}
                  </time>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {pages > 1 ? (
        <nav aria-label="Pages" class="mono">
          {p.page > 1 ? <a href={`${p.base}?page=${p.page - 1}`}>← newer</a> : null} page {p.page}{' '}
          of {pages} {p.page < pages ? <a href={`${p.base}?page=${p.page + 1}`}>older →</a> : null}
        </nav>
      ) : null}
    </>
  );
}
