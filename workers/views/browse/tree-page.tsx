/**
 * The repository home and tree pages: ref switcher, clone box, latest commit, the file list
 * with each entry's last commit, and the README; plus the empty-repository instructions.
 */
import { raw } from 'hono/html';
import type { CommitSummary } from '../../services/browse/last-commits';
import type { PathView } from '../../services/browse/data-tree';
import {
  ArchiveLinks,
  ChangeId,
  Crumbs,
  enc,
  RepoPage,
  refUrl,
  repoBase,
  ShortSha,
  Time,
  type RepoRef,
} from './common';
import { StatusesSlot } from '../commit-statuses';
import { countOf } from '../count';

export interface CloneUrls {
  https: string;
  ssh: string;
}

export function CloneBox(props: { urls: CloneUrls }) {
  return (
    <div class="clone">
      <label for="clone-https">HTTPS</label>
      <input id="clone-https" readonly value={props.urls.https} />
      <button type="button" data-copy="clone-https" hidden>
        Copy
      </button>
      <label for="clone-ssh">SSH</label>
      <input id="clone-ssh" readonly value={props.urls.ssh} />
      <button type="button" data-copy="clone-ssh" hidden>
        Copy
      </button>
    </div>
  );
}

export interface RefChoice {
  branches: string[];
  tags: string[];
}

/** The placeholder for the ref in a switcher's link template (`data-link`). */
const REF_SLOT = '__REF__';

/**
 * A no-JavaScript ref switcher: a disclosure listing branches and tags as links. Without `refs`
 * (a pinned page, which must not depend on them) it links the branch and tag lists, and the
 * browse script fills it from the API when opened.
 */
export function RefSwitcher(props: {
  r: RepoRef;
  current: string;
  refs: RefChoice | undefined;
  link: (ref: string) => string;
}) {
  const short = /^[0-9a-f]{40}$/.test(props.current) ? props.current.slice(0, 10) : props.current;
  const list = (title: string, names: string[]) => (
    <>
      <strong>{title}</strong>
      <ul>
        {names.map((n) => (
          <li>
            <a class="mono" href={props.link(n)}>
              {n}
            </a>
          </li>
        ))}
      </ul>
    </>
  );
  const refs = props.refs;
  if (!refs) {
    const base = repoBase(props.r);
    return (
      <details
        class="refs"
        data-refs={`/api/v1/repos/${base.slice(1)}`}
        data-link={props.link(REF_SLOT)}
      >
        <summary class="button mono">⎇ {short}</summary>
        <div class="notice">
          <p class="ref-lists">
            <a href={`${base}/branches`}>All branches</a> · <a href={`${base}/tags`}>All tags</a>
          </p>
        </div>
      </details>
    );
  }
  return (
    <details class="refs">
      <summary class="button mono">⎇ {short}</summary>
      <div class="notice">
        {list('Branches', refs.branches)}
        {refs.tags.length > 0 && list('Tags', refs.tags)}
      </div>
    </details>
  );
}

/** An entry's last-commit cells (also rendered alone for the older entries filled in later). */
export function LastCell(props: { r: RepoRef; c: CommitSummary | undefined; now: number }) {
  if (!props.c)
    return (
      <td class="msg muted" colspan={2}>
        —
      </td>
    );
  return (
    <>
      <td class="msg">
        <a href={`${repoBase(props.r)}/commit/${props.c.oid}`} title={props.c.oid}>
          {props.c.summary}
        </a>
      </td>
      <td class="when">
        <Time t={props.c.time} now={props.now} />
      </td>
    </>
  );
}

/**
 * Fills the last-commit cells the page left empty (entries changed longer ago than the page's own
 * walk reaches) from `/last-commits/{commit}`, which walks further and is cached by commit id.
 */
const FILL_LAST_COMMITS = `(() => {
  const t = document.querySelector('table.files[data-last-commits]');
  if (!t) return;
  const cap = t.querySelector('caption');
  if (cap) cap.textContent = 'Looking up older changes…';
  fetch(t.dataset.lastCommits, { headers: { accept: 'application/json' } })
    .then((r) => (r.ok ? r.json() : null))
    .then((j) => {
      if (!j) throw new Error('lookup failed');
      for (const tr of t.querySelectorAll('tr[data-name]')) {
        const cells = j.cells[tr.dataset.name];
        const empty = tr.querySelector('td.msg.muted');
        if (cells && empty) {
          empty.insertAdjacentHTML('beforebegin', cells);
          empty.remove();
        }
      }
      if (cap) cap.textContent = j.complete ? '' : 'Some entries changed too long ago to look up.';
    })
    .catch(() => {
      if (cap) cap.textContent = 'Some entries changed longer ago: see the history.';
    });
})();`;

export interface TreePageProps {
  r: RepoRef;
  user?: { login: string } | undefined;
  ref: string;
  path: string[];
  view: PathView;
  /** Undefined on a pinned page: the switcher loads them when opened. */
  refs: RefChoice | undefined;
  clone: CloneUrls;
  /** The README's HTML with links filled for this ref. */
  readmeHtml?: string;
  now: number;
  home: boolean;
}

export function TreePage(p: TreePageProps) {
  const listing = p.view.listing;
  const c = p.view.commit;
  const pathStr = p.path.join('/');
  const title = p.home ? `${p.r.owner}/${p.r.name}` : `${pathStr || p.r.name} at ${p.ref}`;
  return (
    <RepoPage
      title={title}
      user={p.user}
      repo={p.r}
      permalink={refUrl(p.r, 'tree', c.oid, pathStr)}
    >
      <div class="bar">
        <RefSwitcher
          r={p.r}
          current={p.ref}
          refs={p.refs}
          link={(ref) => refUrl(p.r, 'tree', ref, pathStr)}
        />
        {!p.home && <Crumbs r={p.r} ref={p.ref} path={p.path} />}
        <a href={`${repoBase(p.r)}/branches`}>
          {p.refs ? countOf(p.refs.branches.length, 'branch', 'branches') : 'Branches'}
        </a>
        <a href={`${repoBase(p.r)}/tags`}>{p.refs ? countOf(p.refs.tags.length, 'tag') : 'Tags'}</a>
        <a
          href={`${refUrl(p.r, 'commits', p.ref)}${pathStr ? `?path=${encodeURIComponent(pathStr)}` : ''}`}
        >
          History
        </a>
        <input
          id="file-filter"
          type="search"
          placeholder="Filter files (t)"
          aria-label="Filter files"
          hidden
        />
      </div>
      {p.home && <CloneBox urls={p.clone} />}
      {p.home && (
        <p class="muted">
          Download this tree: <ArchiveLinks r={p.r} ref={p.ref} />
        </p>
      )}
      <div class="latest" style="margin-top:0.75rem">
        <span>{c.author}</span>
        <a href={`${repoBase(p.r)}/commit/${c.oid}`}>{c.summary}</a>
        <ShortSha oid={c.oid} href={`${repoBase(p.r)}/commit/${c.oid}`} />
        <ChangeId r={p.r} id={c.changeId} />
        <Time t={c.time} now={p.now} />
        <StatusesSlot base={repoBase(p.r)} sha={c.oid} />
      </div>
      <table
        class="files"
        data-last-commits={
          listing && !listing.complete
            ? `${repoBase(p.r)}/last-commits/${c.oid}?path=${encodeURIComponent(pathStr)}`
            : undefined
        }
      >
        <caption class="muted" style="text-align:left">
          {listing && !listing.complete ? 'Some entries changed longer ago: see the history.' : ''}
        </caption>
        <tbody>
          {p.path.length > 0 && (
            <tr>
              <td class="name" colspan={3}>
                <a href={refUrl(p.r, 'tree', p.ref, p.path.slice(0, -1).join('/'))}>..</a>
              </td>
            </tr>
          )}
          {(listing?.entries ?? []).map((e) => {
            const full = pathStr ? `${pathStr}/${e.name}` : e.name;
            const icon = e.kind === 'tree' ? '▸' : e.kind === 'submodule' ? '⇲' : '·';
            const href =
              e.kind === 'tree'
                ? refUrl(p.r, 'tree', p.ref, full)
                : refUrl(p.r, 'blob', p.ref, full);
            return (
              <tr data-name={e.name}>
                <td class="name">
                  <span aria-hidden="true">{icon} </span>
                  {e.kind === 'submodule' ? (
                    <span class="mono">
                      {e.name} @ {e.oid.slice(0, 10)}
                    </span>
                  ) : (
                    <a href={href}>{e.kind === 'tree' ? `${e.name}/` : e.name}</a>
                  )}
                </td>
                <LastCell r={p.r} c={e.last ? listing?.commits[e.last] : undefined} now={p.now} />
              </tr>
            );
          })}
        </tbody>
      </table>
      {listing && !listing.complete && <script>{raw(FILL_LAST_COMMITS)}</script>}
      {listing?.readme && p.readmeHtml !== undefined && (
        <section class="readme" aria-label="README">
          <h2>
            <a
              href={refUrl(
                p.r,
                'blob',
                p.ref,
                pathStr ? `${pathStr}/${listing.readme.name}` : listing.readme.name,
              )}
            >
              {listing.readme.name}
            </a>
          </h2>
          <div class="markdown">{raw(p.readmeHtml)}</div>
        </section>
      )}
    </RepoPage>
  );
}

export function EmptyRepoPage(p: {
  r: RepoRef;
  user?: { login: string } | undefined;
  clone: CloneUrls;
  branch: string;
}) {
  return (
    <RepoPage title={`${p.r.owner}/${p.r.name}`} user={p.user} repo={p.r}>
      <CloneBox urls={p.clone} />
      <section class="notice" style="margin-top:1rem">
        <h2>This repository is empty</h2>
        <p>Push an existing repository from the command line:</p>
        <pre>{`git remote add origin ${p.clone.https}\ngit push -u origin ${p.branch}`}</pre>
        <p>
          When git asks for a password, give it a{' '}
          <a href="/settings#tokens">personal access token</a> with the scopes{' '}
          <code>repo:read</code> and <code>repo:write</code> (the defaults).
        </p>
        <p>Or start a new one:</p>
        <pre>
          {`git init -b ${p.branch}\necho "# ${p.r.name}" > README.md\ngit add README.md\ngit commit -m "First commit"\ngit remote add origin ${p.clone.https}\ngit push -u origin ${p.branch}`}
        </pre>
        <p>
          Over SSH, use <code>{p.clone.ssh}</code> as the remote. With jj:{' '}
          <code>{`jj git remote add origin ${p.clone.https} && jj git push --bookmark ${enc(p.branch)}`}</code>
        </p>
      </section>
    </RepoPage>
  );
}
