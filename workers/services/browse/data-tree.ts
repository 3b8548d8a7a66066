/**
 * Object-addressed data behind the tree, blob and home views, cached by (object id, path) in
 * the edge cache: what a path is at a commit (with the directory listing, last commit per entry
 * and README), and a blob's display form (highlighted lines, rendered markdown, or why not).
 * Relative links in rendered markdown carry a placeholder base the page fills in with its ref,
 * so the cached HTML never depends on a ref name.
 */
import type { Commit } from '../../../common/git/object';
import { fromUtf8 } from '../../../common/git/bytes';
import { cacheKey, cachedJson, type EdgeCache } from '../cache/cache';
import { isBinary, isInlineImage, isMarkdown } from './content';
import { highlightLines } from './highlight';
import { lastCommits, summarize, type CommitSummary, type LastCommits } from './last-commits';
import { renderMarkdown } from './markdown';
import { entryAt, readBlob, readCommit, readTree, sortForListing, type EntryKind } from './objects';
import type { BrowseRepo } from './repo';
import { treeEntryKind } from '../../../common/git/object';

export interface CommitInfo extends CommitSummary {
  message: string;
  tree: string;
  parents: string[];
  authorEmail: string;
  authorTime: number;
  committer: string;
}

export function commitInfo(oid: string, c: Commit): CommitInfo {
  return {
    ...summarize(oid, c),
    message: c.message,
    tree: c.tree,
    parents: c.parents,
    authorEmail: c.author.email,
    authorTime: c.author.timestamp,
    committer: c.committer.name,
  };
}

export interface ListingEntry {
  name: string;
  mode: string;
  kind: EntryKind;
  oid: string;
  /** Commit that last changed the entry (absent when the bounded walk did not find it). */
  last?: string;
}

export interface PathView {
  commit: CommitInfo;
  entry: { kind: EntryKind; oid: string; mode: string };
  listing?: {
    entries: ListingEntry[];
    commits: Record<string, CommitSummary>;
    complete: boolean;
    readme?: { name: string; oid: string; html: string };
  };
}

/** Placeholder for `/{owner}/{repo}` + `/blob|raw/{ref}` in cached markdown HTML. */
export const REF_BASE = 'plue-ref-base:';

/** Fills the placeholder links of cached markdown for a page at `ref`. */
export function fillRefBase(html: string, repoBase: string, ref: string): string {
  const r = ref.split('/').map(encodeURIComponent).join('/');
  return html.replace(
    /="plue-ref-base:(blob|raw)\//g,
    (_m, kind: string) => `="${repoBase}/${kind}/${r}/`,
  );
}

function markdownFor(text: string, dir: readonly string[]): string {
  return renderMarkdown(text, {
    resolve(href, kind) {
      const [pathPart = '', frag = ''] = href.split('#', 2);
      const base = href.startsWith('/') ? [] : [...dir];
      for (const seg of pathPart.split('/')) {
        if (seg === '' || seg === '.') continue;
        if (seg === '..') base.pop();
        else base.push(seg);
      }
      const route = kind === 'image' ? 'raw' : 'blob';
      return `${REF_BASE}${route}/${base.join('/')}${frag ? `#${frag}` : ''}`;
    },
  });
}

const README = /^readme(\.(md|markdown|txt|rst))?$/i;

/**
 * Commits the page itself walks for the last-commit column. Entries changed longer ago than that
 * are looked up by `lastCommitsView` after the page is shown (the page fills them in), so a
 * directory whose files rarely change does not hold its first byte for a walk of all history.
 */
export const INLINE_LAST_COMMITS = 400;

/** The last commit of every entry of the directory at `path`, walking up to 20,000 commits. */
export function lastCommitsView(
  repo: BrowseRepo,
  cache: EdgeCache,
  commitOid: string,
  path: readonly string[],
): Promise<LastCommits> {
  const key = cacheKey(repo.row.id, 'last', commitOid, path.join('/'));
  return cachedJson(cache, key, repo.shared, () => lastCommits(repo.reader, commitOid, path));
}

/** What `path` is at `commitOid`, with the listing when it is a directory. */
export function pathView(
  repo: BrowseRepo,
  cache: EdgeCache,
  commitOid: string,
  path: readonly string[],
): Promise<PathView | undefined> {
  const key = cacheKey(repo.row.id, 'path', commitOid, path.join('/'));
  return cachedJson(cache, key, repo.shared, async () => {
    const r = repo.reader;
    const c = await readCommit(r, commitOid);
    const entry = await entryAt(r, c.tree, path);
    if (!entry) return undefined;
    const view: PathView = { commit: commitInfo(commitOid, c), entry };
    if (entry.kind !== 'tree') return view;
    const tree = await readTree(r, entry.oid);
    const last = await lastCommits(r, commitOid, path, { maxCommits: INLINE_LAST_COMMITS });
    const entries = sortForListing(tree).map((e) => {
      const le: ListingEntry = {
        name: e.name,
        mode: e.mode,
        kind: treeEntryKind(e.mode) ?? 'blob',
        oid: e.oid,
      };
      const lc = last.entries[e.name];
      if (lc !== undefined) le.last = lc;
      return le;
    });
    view.listing = { entries, commits: last.commits, complete: last.complete };
    const readme = entries.find((e) => e.kind === 'blob' && README.test(e.name));
    if (readme) {
      const bytes = await readBlob(r, readme.oid);
      if (!isBinary(bytes) && bytes.length <= 512 * 1024) {
        const text = fromUtf8(bytes);
        const html =
          isMarkdown(readme.name) || !readme.name.includes('.')
            ? markdownFor(text, path)
            : `<pre>${text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)}</pre>`;
        view.listing.readme = { name: readme.name, oid: readme.oid, html };
      }
    }
    return view;
  }) as Promise<PathView | undefined>;
}

export interface BlobView {
  size: number;
  binary: boolean;
  image: boolean;
  /** Set when the file is too large to show. */
  tooLarge?: boolean;
  lines?: string[];
  language?: string;
  /** Rendered markdown (placeholder links; see fillRefBase). */
  markdown?: string;
}

export const MAX_SHOWN_BYTES = 1024 * 1024;

/** A blob's display form, cached by (blob id, file name's kind, directory for markdown links). */
export function blobView(
  repo: BrowseRepo,
  cache: EdgeCache,
  oid: string,
  path: readonly string[],
): Promise<BlobView> {
  const name = path[path.length - 1] ?? '';
  const dir = path.slice(0, -1);
  const md = isMarkdown(name);
  const key = cacheKey(repo.row.id, 'blob', oid, name, md ? dir.join('/') : '');
  return cachedJson(cache, key, repo.shared, async () => {
    const bytes = await readBlob(repo.reader, oid);
    const view: BlobView = {
      size: bytes.length,
      binary: isBinary(bytes),
      image: isInlineImage(name),
    };
    if (view.binary || view.image) return view;
    if (bytes.length > MAX_SHOWN_BYTES) return { ...view, tooLarge: true };
    const text = fromUtf8(bytes);
    const h = highlightLines(name, text);
    view.lines = h.lines;
    if (h.language !== undefined) view.language = h.language;
    if (md) view.markdown = markdownFor(text, dir);
    return view;
  });
}
