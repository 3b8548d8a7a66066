/** The commit log, a commit with its diff, a comparison, the branch and tag lists, a jj change. */
import { NewLandingForm } from '../landings/new-page';
import type { CommitInfo } from '../../services/browse/data-tree';
import type {
  ChangeView,
  CommitView,
  CompareView,
  RefEntry,
} from '../../services/browse/data-history';
import type { Divergence } from '../../services/browse/ahead-behind';
import {
  ArchiveLinks,
  ChangeId,
  RepoPage,
  refUrl,
  repoBase,
  ShortSha,
  Time,
  type RepoRef,
} from './common';
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

/**
 * Two ref fields (any branch, tag or commit id; `refs` offered as suggestions when given) that
 * load `/compare?base=…&head=…`, which redirects to `/compare/{base}...{head}`. Works without
 * JavaScript.
 */
export function ComparePicker(p: { r: RepoRef; base: string; head: string; refs?: string[] }) {
  return (
    <form method="get" action={`${repoBase(p.r)}/compare`} class="bar compare-picker">
      <label>
        base <input name="base" value={p.base} list="compare-refs" required class="mono" />
      </label>
      <span aria-hidden="true">←</span>
      <label>
        compare <input name="head" value={p.head} list="compare-refs" required class="mono" />
      </label>
      <button type="submit">Compare</button>
      {p.refs && (
        <datalist id="compare-refs">
          {p.refs.map((name) => (
            <option value={name} />
          ))}
        </datalist>
      )}
    </form>
  );
}

/** `/compare` without refs: the picker, with the default branch and the newest other branch. */
export function CompareStartPage(p: {
  r: RepoRef;
  user: User;
  base: string;
  head: string;
  refs: string[];
}) {
  return (
    <RepoPage title="Compare" user={p.user} repo={p.r}>
      <h2>Compare changes</h2>
      <p>Choose two branches, tags or commits to see what changed between them.</p>
      <ComparePicker r={p.r} base={p.base} head={p.head} refs={p.refs} />
    </RepoPage>
  );
}

export function ComparePage(p: {
  r: RepoRef;
  user: User;
  base: string;
  head: string;
  view: CompareView;
  /** Ref names for the picker's suggestions (none on a page pinned to commit ids). */
  refs?: string[];
  now: number;
  mode?: DiffMode;
}) {
  return (
    <RepoPage title={`Compare ${p.base}...${p.head}`} user={p.user} repo={p.r}>
      <ComparePicker r={p.r} base={p.base} head={p.head} refs={p.refs} />
      <h2>
        Comparing <span class="mono">{p.base}</span> … <span class="mono">{p.head}</span>
      </h2>
      <p>
        Merge base:{' '}
        {p.view.mergeBase ? (
          <ShortSha oid={p.view.mergeBase} href={`${repoBase(p.r)}/commit/${p.view.mergeBase}`} />
        ) : (
          'none (unrelated histories)'
        )}
        {' · '}
        {p.view.commits.length} commit{p.view.commits.length === 1 ? '' : 's'}
      </p>
      {p.refs !== undefined && p.view.commits.length > 0 && p.view.mergeBase ? (
        <details class="open-landing">
          <summary>Open landing request</summary>
          <NewLandingForm
            base={repoBase(p.r)}
            values={{ base: p.base, head: p.head, title: '', body: '', draft: false }}
          />
        </details>
      ) : null}
      <CommitList r={p.r} commits={p.view.commits} now={p.now} />
      <DiffView
        files={p.view.diff.files}
        truncated={p.view.diff.truncated}
        renameLimitReached={p.view.diff.renameLimitReached}
        {...modeProps(p.mode)}
      />
    </RepoPage>
  );
}

/** An annotated tag's message: its first line, the rest behind a disclosure. */
function TagMessage(props: { tag: NonNullable<RefEntry['tag']> }) {
  const [first = '', ...rest] = props.tag.message.split('\n');
  const more = rest.join('\n').trim();
  return (
    <div class="tag-message">
      {more ? (
        <details>
          <summary>{first}</summary>
          <pre class="message">{more}</pre>
        </details>
      ) : (
        <span>{first}</span>
      )}
      {props.tag.tagger && <span class="muted"> — tagged by {props.tag.tagger}</span>}
    </div>
  );
}

/** "2 behind · 3 ahead" of the default branch; a count past the walk's bound gets a "+". */
function DivergenceCell(props: { d: Divergence | undefined; isHead: boolean }) {
  if (props.isHead || !props.d) return <></>;
  const plus = props.d.capped ? '+' : '';
  return (
    <span
      title={`${props.d.behind}${plus} commits behind and ${props.d.ahead}${plus} ahead of the default branch`}
    >
      {`${props.d.behind}${plus} behind · ${props.d.ahead}${plus} ahead`}
    </span>
  );
}

export function RefsPage(p: {
  r: RepoRef;
  user: User;
  kind: 'branches' | 'tags';
  refs: RefEntry[];
  head: string;
  /** Per branch, how far it is ahead of and behind the default branch. */
  divergence?: Record<string, Divergence>;
  now: number;
}) {
  return (
    <RepoPage title={p.kind === 'branches' ? 'Branches' : 'Tags'} user={p.user} repo={p.r}>
      <h2>{p.kind === 'branches' ? 'Branches' : 'Tags'}</h2>
      {p.refs.length === 0 ? (
        <p class="notice">No {p.kind} yet.</p>
      ) : (
        <table class="files">
          <tbody>
            {p.refs.map((e) => (
              <tr>
                <td class="name">
                  <a href={refUrl(p.r, 'tree', e.name)}>{e.name}</a>
                  {p.kind === 'branches' && e.name === p.head ? (
                    <span class="badge">default</span>
                  ) : (
                    ''
                  )}
                </td>
                <td class="msg">
                  {e.commit ? (
                    <a href={`${repoBase(p.r)}/commit/${e.commit.oid}`}>{e.commit.summary}</a>
                  ) : (
                    ''
                  )}
                  {e.tag && <TagMessage tag={e.tag} />}
                </td>
                {p.kind === 'tags' && (
                  <td>
                    <ArchiveLinks r={p.r} ref={e.name} />
                  </td>
                )}
                {p.kind === 'branches' && (
                  <td class="divergence">
                    <DivergenceCell d={p.divergence?.[e.name]} isHead={e.name === p.head} />
                  </td>
                )}
                <td>{e.commit && <ShortSha oid={e.commit.oid} />}</td>
                <td class="when">{e.commit && <Time t={e.commit.time} now={p.now} />}</td>
                <td>
                  {p.kind === 'branches' && e.name !== p.head && (
                    <a
                      href={`${repoBase(p.r)}/compare/${encodeURIComponent(p.head)}...${encodeURIComponent(e.name)}`}
                    >
                      Compare
                    </a>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </RepoPage>
  );
}

export function ChangePage(p: { r: RepoRef; user: User; view: ChangeView; now: number }) {
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
