/**
 * Object-addressed data behind the history views, cached by commit ids: a commit with its diff,
 * a page of the log (by start commit, path and page), a comparison of two commits (merge base,
 * commits, diff), the branch and tag lists (by the ref values), and a jj change's versions.
 */
import { sha1 } from '../../../common/git/native';
import { toHex, utf8 } from '../../../common/git/bytes';
import { cacheKey, cachedJson, type EdgeCache } from '../cache/cache';
import { findChangeVersions, interdiff, type ChangeVersion } from './changes';
import { commitInfo, type CommitInfo } from './data-tree';
import { diffTreesFull, type TreeDiff, type FileDiff } from './diff/file-diff';
import { commitLog } from './log';
import { peel, readCommit, type ObjectReader } from './objects';
import type { BrowseRepo } from './repo';
import { walkCommits } from './walk';
import { aheadBehind, type Divergence } from './ahead-behind';
import { parseTag } from '../../../common/git/object';

/**
 * Part of the keys of cached diffs: entries are immutable per object id, so a change to what a
 * diff holds (v2: renames) needs new keys, or views cached by an earlier release would persist.
 */
const DIFF_FORMAT = 'v2';

export interface CommitView {
  commit: CommitInfo;
  diff: TreeDiff;
}

/** A commit and its diff against its first parent. */
export function commitView(repo: BrowseRepo, cache: EdgeCache, oid: string): Promise<CommitView> {
  return cachedJson(
    cache,
    cacheKey(repo.row.id, 'commit', DIFF_FORMAT, oid),
    repo.shared,
    async () => {
      const c = await readCommit(repo.reader, oid);
      const parentTree = c.parents[0]
        ? (await readCommit(repo.reader, c.parents[0])).tree
        : undefined;
      return {
        commit: commitInfo(oid, c),
        diff: await diffTreesFull(repo.reader, parentTree, c.tree),
      };
    },
  );
}

export interface LogView {
  commits: CommitInfo[];
  hasMore: boolean;
  truncated: boolean;
}

export function logView(
  repo: BrowseRepo,
  cache: EdgeCache,
  start: string,
  path: readonly string[],
  page: number,
  perPage: number,
): Promise<LogView> {
  const key = cacheKey(repo.row.id, 'log', start, path.join('/'), String(page), String(perPage));
  return cachedJson(cache, key, repo.shared, async () => {
    const res = await commitLog(repo.reader, start, { path, page, perPage });
    return {
      commits: res.commits.map((w) => commitInfo(w.oid, w.commit)),
      hasMore: res.hasMore,
      truncated: res.truncated,
    };
  });
}

async function mergeBase(r: ObjectReader, a: string, b: string): Promise<string | undefined> {
  const ancestors = new Set<string>();
  for await (const w of walkCommits(r, [a], { maxCommits: 20_000 })) ancestors.add(w.oid);
  for await (const w of walkCommits(r, [b], { maxCommits: 20_000 }))
    if (ancestors.has(w.oid)) return w.oid;
  return undefined;
}

export interface CompareView {
  base: string;
  head: string;
  mergeBase?: string;
  /** Commits in head but not in base, oldest first (at most 250). */
  commits: CommitInfo[];
  aheadBy: number;
  behindBy: number;
  diff: TreeDiff;
}

/** `base...head`: the diff from their merge base to head, and the commits between. */
export function compareView(
  repo: BrowseRepo,
  cache: EdgeCache,
  base: string,
  head: string,
): Promise<CompareView> {
  return cachedJson(
    cache,
    cacheKey(repo.row.id, 'compare', DIFF_FORMAT, base, head),
    repo.shared,
    async () => {
      const r = repo.reader;
      await readCommit(r, base);
      const headCommit = await readCommit(r, head);
      const mb = await mergeBase(r, base, head);
      const stop = new Set<string>();
      if (mb) for await (const w of walkCommits(r, [mb], { maxCommits: 20_000 })) stop.add(w.oid);
      const commits: CommitInfo[] = [];
      let aheadBy = 0;
      for await (const w of walkCommits(r, [head], { maxCommits: 20_000, exclude: stop })) {
        aheadBy++;
        if (commits.length < 250) commits.push(commitInfo(w.oid, w.commit));
      }
      let behindBy = 0;
      for await (const _ of walkCommits(r, [base], { maxCommits: 20_000, exclude: stop }))
        behindBy++;
      const baseTree = mb ? (await readCommit(r, mb)).tree : undefined;
      const view: CompareView = {
        base,
        head,
        commits: commits.reverse(),
        aheadBy,
        behindBy,
        diff: await diffTreesFull(r, baseTree, headCommit.tree),
      };
      if (mb) view.mergeBase = mb;
      return view;
    },
  );
}

export interface RefEntry {
  name: string;
  /** What the ref points at (a tag object for annotated tags). */
  oid: string;
  commit?: CommitInfo;
  /** An annotated tag's message and tagger. */
  tag?: { message: string; tagger?: string; time?: number };
}

/** Branches and tags with their commits (and tag messages), cached by the set of ref values. */
export function refsView(
  repo: BrowseRepo,
  cache: EdgeCache,
): Promise<{ branches: RefEntry[]; tags: RefEntry[] }> {
  const refs = repo.state.refs.filter((r) => /^refs\/(heads|tags)\//.test(r.name));
  const digest = toHex(sha1(utf8(refs.map((r) => `${r.name} ${r.oid}`).join('\n'))));
  // v2: tags gained their message.
  return cachedJson(cache, cacheKey(repo.row.id, 'refs-v2', digest), repo.shared, async () => {
    const out = { branches: [] as RefEntry[], tags: [] as RefEntry[] };
    for (const ref of refs) {
      const e: RefEntry = { name: ref.name.replace(/^refs\/(heads|tags)\//, ''), oid: ref.oid };
      const obj = ref.name.startsWith('refs/tags/') ? await repo.reader.read(ref.oid) : undefined;
      if (obj?.type === 'tag') {
        const t = parseTag(obj.body);
        e.tag = { message: t.message.trimEnd() };
        if (t.tagger) {
          e.tag.tagger = t.tagger.name;
          e.tag.time = t.tagger.timestamp;
        }
      }
      const p = await peel(repo.reader, ref.oid);
      if (p?.type === 'commit') e.commit = commitInfo(p.oid, await readCommit(repo.reader, p.oid));
      (ref.name.startsWith('refs/heads/') ? out.branches : out.tags).push(e);
    }
    const time = (e: RefEntry) => e.commit?.time ?? 0;
    out.branches.sort((a, b) => time(b) - time(a));
    out.tags.sort((a, b) => time(b) - time(a));
    return out;
  });
}

/** Walks per branch before its counts are shown as lower bounds ("1000+"). */
const DIVERGENCE_LIMIT = 5_000;

/**
 * How far each branch is ahead of and behind the default branch's commit `headOid`, cached by
 * those commit ids. Branches without a commit are left out.
 */
export function branchDivergence(
  repo: BrowseRepo,
  cache: EdgeCache,
  headOid: string,
  branches: RefEntry[],
): Promise<Record<string, Divergence>> {
  const tips = branches.flatMap((b) => (b.commit ? [`${b.name} ${b.commit.oid}`] : []));
  const digest = toHex(sha1(utf8(`${headOid}\n${tips.join('\n')}`)));
  return cachedJson(cache, cacheKey(repo.row.id, 'divergence', digest), repo.shared, async () => {
    const out: Record<string, Divergence> = {};
    for (const b of branches) {
      if (!b.commit) continue;
      out[b.name] = await aheadBehind(repo.reader, headOid, b.commit.oid, DIVERGENCE_LIMIT);
    }
    return out;
  });
}

export interface ChangeView {
  changeId: string;
  versions: ChangeVersion[];
  complete: boolean;
  /** Interdiff from `from` to `to` (default: the two newest versions). */
  from?: string;
  to?: string;
  interdiff?: FileDiff[];
}

/** Packs up to this size are scanned whole for rewritten (unreachable) versions of a change. */
const SCAN_PACK_BYTES = 4 * 1024 * 1024;

/** The versions of jj change `changeId`, and an interdiff between two of them. */
export function changeView(
  repo: BrowseRepo,
  cache: EdgeCache,
  changeId: string,
  pick: { from?: string; to?: string },
): Promise<ChangeView> {
  const tips = [...new Set(repo.state.refs.map((r) => r.oid))].sort();
  const digest = toHex(
    sha1(utf8(`${tips.join(',')}|${repo.state.packs.map((p) => p.key).join(',')}`)),
  );
  const key = cacheKey(
    repo.row.id,
    'change',
    DIFF_FORMAT,
    changeId,
    digest,
    pick.from ?? '',
    pick.to ?? '',
  );
  return cachedJson(cache, key, repo.shared, async () => {
    const starts: string[] = [];
    for (const t of tips) {
      const p = await peel(repo.reader, t);
      if (p?.type === 'commit') starts.push(p.oid);
    }
    const extra = await repo.smallPackOids(SCAN_PACK_BYTES);
    const { versions, complete } = await findChangeVersions(repo.reader, changeId, starts, extra);
    const view: ChangeView = { changeId, versions, complete };
    const to = versions.find((v) => v.oid === pick.to) ?? versions[0];
    const from = versions.find((v) => v.oid === pick.from) ?? versions.find((v) => v !== to);
    if (from && to && from !== to) {
      view.from = from.oid;
      view.to = to.oid;
      view.interdiff = await interdiff(repo.reader, from, to);
    }
    return view;
  });
}
