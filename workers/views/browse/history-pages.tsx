/** The commit log, a commit with its diff, a jj change with its "Open landing request" form (comparisons and ref lists: compare-refs-pages). */
import type { CommitInfo } from '../../services/browse/data-tree';
import { NewLandingForm } from '../landings/new-page';
import type { ChangeView, CommitView } from '../../services/browse/data-history';
import { ChangeId, RepoPage, refUrl, repoBase, ShortSha, Time, type RepoRef } from './common';
import { StatusesSlot } from '../commit-statuses';
import { DiffView, modeProps, type DiffMode } from './diff-view';

type User = { login: string } | undefined;

/**
 * A list of commits. Each row has an empty status icon that the browse script fills from
 * `commit-states` (the list is cached by commit ids; statuses change).
 */
export function CommitList(props: { r: RepoRef; commits: CommitInfo[]; now: number }) {
  const states = `${repoBase(props.r)}/commit-states?${props.commits.map((c) => `sha=${c.oid}`).join('&')}`;
  return (
    <ol class="commits" data-commit-states={props.commits.length > 0 ? states : undefined}>
      {props.commits.map((c) => (
        <li>
          <span class="status-icon" data-sha={c.oid}></span>
          <a class="subject" href={`${repoBase(props.r)}/commit/${c.oid}`}>
            {c.summary || '(no message)'}
          </a>
          <span>{c.author}</span>
          <Time t={c.time} now={props.now} />
          <ShortSha oid={c.oid} href={`${repoBase(props.r)}/commit/${c.oid}`} />
          <ChangeId r={props.r} id={c.changeId} />
          <a href={refUrl(props.r, 'tree', c.oid)} title="Browse the files at this commit">
            Files
          </a>
        </li>
      ))}
    </ol>
  );
}

export function CommitsPage(p: {
  r: RepoRef;
  user: User;
  ref: string;
  path: string;
  commits: CommitInfo[];
  page: number;
  hasMore: boolean;
  now: number;
}) {
  const q = (page: number) =>
    `?${new URLSearchParams({ ...(p.path ? { path: p.path } : {}), page: String(page) })}`;
  return (
    <RepoPage title={`Commits · ${p.ref}`} user={p.user} repo={p.r}>
      <h2>
        Commits on <span class="mono">{p.ref}</span>
        {p.path && (
          <>
            {' '}
            touching <span class="mono">{p.path}</span>
          </>
        )}
      </h2>
      {p.commits.length === 0 ? (
        <p class="notice">No commits.</p>
      ) : (
        <CommitList r={p.r} commits={p.commits} now={p.now} />
      )}
      <nav class="bar" aria-label="Pages">
        {p.page > 1 && (
          <a href={q(p.page - 1)} rel="prev">
            ← Newer
          </a>
        )}
        {p.hasMore && (
          <a href={q(p.page + 1)} rel="next">
            Older →
          </a>
        )}
      </nav>
    </RepoPage>
  );
}

function CommitMeta(p: { r: RepoRef; c: CommitInfo; now: number }) {
  return (
    <table>
      <tbody>
        <tr>
          <th scope="row">commit</th>
          <td class="sha">{p.c.oid}</td>
        </tr>
        {p.c.changeId && (
          <tr>
            <th scope="row">change</th>
            <td>
              <ChangeId r={p.r} id={p.c.changeId} /> <span class="chg">{p.c.changeId}</span>
            </td>
          </tr>
        )}
        <tr>
          <th scope="row">author</th>
          <td>
            {p.c.author} &lt;{p.c.authorEmail}&gt; · <Time t={p.c.authorTime} now={p.now} />
          </td>
        </tr>
        {p.c.committer !== p.c.author && (
          <tr>
            <th scope="row">committer</th>
            <td>{p.c.committer}</td>
          </tr>
        )}
        <tr>
          <th scope="row">parents</th>
          <td>
            {p.c.parents.length === 0
              ? 'none (root commit)'
              : p.c.parents.map((x) => (
                  <>
                    <ShortSha oid={x} href={`${repoBase(p.r)}/commit/${x}`} />{' '}
                  </>
                ))}
          </td>
        </tr>
        <tr>
          <th scope="row">tree</th>
          <td>
            <a class="sha" href={refUrl(p.r, 'tree', p.c.oid)}>
              Browse files at {p.c.oid.slice(0, 10)}
            </a>
          </td>
        </tr>
      </tbody>
    </table>
  );
}

export function CommitPage(p: {
  r: RepoRef;
  user: User;
  view: CommitView;
  now: number;
  mode?: DiffMode;
}) {
  const c = p.view.commit;
  const body = c.message.split('\n').slice(1).join('\n').trim();
  return (
    <RepoPage title={`${c.summary} · ${c.oid.slice(0, 10)}`} user={p.user} repo={p.r}>
      <h2>{c.summary}</h2>
      <p class="commit-statuses">
        <StatusesSlot base={repoBase(p.r)} sha={c.oid} />
      </p>
      {body && <pre class="message">{body}</pre>}
      <CommitMeta r={p.r} c={c} now={p.now} />
      <DiffView
        files={p.view.diff.files}
        truncated={p.view.diff.truncated}
        renameLimitReached={p.view.diff.renameLimitReached}
        {...modeProps(p.mode)}
      />
    </RepoPage>
  );
}

export function ChangePage(p: {
  r: RepoRef;
  user: User;
  view: ChangeView;
  now: number;
  /** For a signed-in viewer: the "Open landing request" form's default target and branches. */
  openLanding?: { base: string; branches: string[] } | undefined;
}) {
  const v = p.view;
  const base = `${repoBase(p.r)}/change/${v.changeId}`;
  return (
    <RepoPage title={`Change ${v.changeId.slice(0, 8)}`} user={p.user} repo={p.r}>
      <h2>
        jj change <span class="chg">{v.changeId}</span>
      </h2>
      <p>
        {v.versions.length} version{v.versions.length === 1 ? '' : 's'} of this change (newest
        first).
        {v.complete ? '' : ' The history scan stopped at its limit; older versions may exist.'}
      </p>
      {p.user && p.openLanding ? (
        <details class="open-landing">
          <summary>Open landing request</summary>
          <NewLandingForm
            base={repoBase(p.r)}
            values={{
              base: p.openLanding.base,
              head: v.changeId,
              title: '',
              body: '',
              draft: false,
            }}
            editRefs
            branches={p.openLanding.branches}
          />
        </details>
      ) : null}
      <table class="files">
        <tbody>
          {v.versions.map((c, i) => (
            <tr>
              <td class="mono">v{v.versions.length - i}</td>
              <td class="msg">
                <a href={`${repoBase(p.r)}/commit/${c.oid}`}>{c.summary}</a>
              </td>
              <td>
                <ShortSha oid={c.oid} />
              </td>
              <td class="when">
                <Time t={c.time} now={p.now} />
              </td>
              <td>
                {c.oid !== v.to && v.to && (
                  <a href={`${base}?from=${c.oid}&to=${v.to}`}>Interdiff to selected</a>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {v.interdiff && v.from && v.to && (
        <>
          <h3>
            Interdiff <span class="sha">{v.from.slice(0, 10)}</span> →{' '}
            <span class="sha">{v.to.slice(0, 10)}</span>
          </h3>
          <DiffView files={v.interdiff} />
        </>
      )}
    </RepoPage>
  );
}
