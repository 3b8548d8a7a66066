/**
 * Pieces every code-browser page shares: the repository header with tabs and the page frame,
 * short commit ids (full id in `title`), jj change ids, relative times (absolute in `title`),
 * and URL builders that encode each path segment.
 */
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { Layout } from '../layout';
import { BROWSE_SCRIPT } from './script';

export interface RepoRef {
  owner: string;
  name: string;
  private: boolean;
  /** Shown under the name in the header. */
  description?: string | undefined;
  /** The viewer administers it: the Settings tab shows. */
  admin?: boolean | undefined;
}

/** The repository tabs. */
export type Tab = 'code' | 'issues' | 'landings' | 'runs' | 'settings';

/** `/{owner}/{repo}` */
export const repoBase = (r: RepoRef): string =>
  `/${encodeURIComponent(r.owner)}/${encodeURIComponent(r.name)}`;

/** Encodes a ref or path segment by segment, keeping the slashes. */
export const enc = (s: string): string => s.split('/').map(encodeURIComponent).join('/');

/** `/{owner}/{repo}/{kind}/{ref}/{path}` without a trailing slash for the root. */
export function refUrl(r: RepoRef, kind: string, ref: string, path = ''): string {
  return `${repoBase(r)}/${kind}/${enc(ref)}${path ? `/${enc(path)}` : ''}`;
}

/** Links to the ZIP and tar.gz archives of `ref`. */
export function ArchiveLinks(props: { r: RepoRef; ref: string }) {
  const at = `${repoBase(props.r)}/archive/${enc(props.ref)}`;
  return (
    <span class="downloads">
      <a href={`${at}.zip`} download>
        ZIP
      </a>{' '}
      ·{' '}
      <a href={`${at}.tar.gz`} download>
        tar.gz
      </a>
    </span>
  );
}

export function ShortSha(props: { oid: string; href?: string }) {
  const s = props.oid.slice(0, 10);
  return props.href ? (
    <a class="sha" href={props.href} title={props.oid}>
      {s}
    </a>
  ) : (
    <span class="sha" title={props.oid}>
      {s}
    </span>
  );
}

export function ChangeId(props: { r: RepoRef; id?: string | undefined }) {
  if (!props.id) return <></>;
  return (
    <a class="chg" href={`${repoBase(props.r)}/change/${props.id}`} title={`jj change ${props.id}`}>
      {props.id.slice(0, 8)}
    </a>
  );
}

/** "3 days ago", from unix seconds and the request's now (ms). */
export function relativeTime(seconds: number, nowMs: number): string {
  const d = Math.max(0, Math.round(nowMs / 1000 - seconds));
  const units: Array<[number, string]> = [
    [31_536_000, 'year'],
    [2_592_000, 'month'],
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
  ];
  for (const [s, u] of units) {
    const n = Math.floor(d / s);
    if (n >= 1) return `${n} ${u}${n > 1 ? 's' : ''} ago`;
  }
  return 'just now';
}

export function Time(props: { t: number; now: number }) {
  const iso = new Date(props.t * 1000).toISOString();
  return (
    <time datetime={iso} title={iso.replace('T', ' ').replace('.000Z', ' UTC')}>
      {relativeTime(props.t, props.now)}
    </time>
  );
}

export interface PageProps {
  title: string;
  user?: { login: string } | undefined;
  repo: RepoRef;
  tab?: Tab;
  /** The same view at a commit id, for the `y` shortcut. */
  permalink?: string;
  children?: Child;
}

/** The frame of every repository page: header, tabs, content, script. */
export function RepoPage(props: PageProps) {
  const base = repoBase(props.repo);
  const tab = props.tab ?? 'code';
  const tabs: Array<[Tab, string, string]> = [
    ['code', 'Code', base],
    ['issues', 'Issues', `${base}/issues`],
    ['landings', 'Landings', `${base}/landings`],
    ['runs', 'Runs', `${base}/actions`],
  ];
  // Only for those who may use it (the page itself checks again).
  if (props.repo.admin) tabs.push(['settings', 'Settings', `${base}/settings`]);
  return (
    <Layout title={props.title} user={props.user}>
      <div id="browse" data-permalink={props.permalink}>
        <div class="repo-head">
          <h1>
            <a class="owner" href={`/${encodeURIComponent(props.repo.owner)}`}>
              {props.repo.owner}
            </a>{' '}
            /{' '}
            <a href={base}>
              <strong>{props.repo.name}</strong>
            </a>
          </h1>
          <span class="badge">{props.repo.private ? 'Private' : 'Public'}</span>
        </div>
        {props.repo.description ? <p class="repo-desc">{props.repo.description}</p> : null}
        <nav class="tabs" aria-label="Repository">
          {tabs.map(([t, label, href]) => (
            <a href={href} aria-current={t === tab ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        {props.children}
      </div>
      <script>{raw(BROWSE_SCRIPT)}</script>
    </Layout>
  );
}

/** `owner / repo / dir / file` with every level linked to its tree. */
export function Crumbs(props: { r: RepoRef; ref: string; path: string[] }) {
  return (
    <nav class="crumbs" aria-label="Path">
      <a href={refUrl(props.r, 'tree', props.ref)}>{props.r.name}</a>
      {props.path.map((seg, i) => (
        <>
          {' / '}
          {i === props.path.length - 1 ? (
            <strong>{seg}</strong>
          ) : (
            <a href={refUrl(props.r, 'tree', props.ref, props.path.slice(0, i + 1).join('/'))}>
              {seg}
            </a>
          )}
        </>
      ))}
    </nav>
  );
}
