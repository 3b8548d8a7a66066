/**
 * Comparisons (`/compare` with its ref pickers, `/compare/{base}...{head}` with the "Open landing
 * request" form) and the branch and tag lists.
 */
import { NewLandingForm } from '../landings/new-page';
import type { CompareView, RefEntry } from '../../services/browse/data-history';
import type { Divergence } from '../../services/browse/ahead-behind';
import { ArchiveLinks, RepoPage, refUrl, repoBase, ShortSha, Time, type RepoRef } from './common';
import { DiffView, modeProps, type DiffMode } from './diff-view';
import { CommitList } from './history-pages';

type User = { login: string } | undefined;

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
      {p.user ? (
        <p>
          To land a jj change, <a href={`${repoBase(p.r)}/landings/new`}>open a landing request</a>{' '}
          from its change id (a unique prefix will do).
        </p>
      ) : null}
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
