/**
 * The last commit touching each entry of a directory (the file list's "last change" column).
 * Walks history newest first and attributes an entry to the commit that introduced its current
 * value (it has the value, none of its parents do). Commits whose directory is unchanged from
 * a parent are skipped after reading one tree path, so the walk is cheap per commit; it stops
 * when every entry is resolved or at `maxCommits` (unresolved entries are reported as such).
 */
import type { Commit } from '../../../common/git/object';
import { entryAt, orAbsent, readCommit, readTree, type ObjectReader } from './objects';
import { walkCommits } from './walk';

export interface CommitSummary {
  oid: string;
  summary: string;
  author: string;
  time: number;
  changeId?: string;
}

export interface LastCommits {
  /** Entry name → commit id. */
  entries: Record<string, string>;
  commits: Record<string, CommitSummary>;
  /** False when the walk hit its bound with entries unresolved. */
  complete: boolean;
}

export function summarize(oid: string, c: Commit): CommitSummary {
  const s: CommitSummary = {
    oid,
    summary: c.message.split('\n', 1)[0] ?? '',
    author: c.author.name,
    time: c.committer.timestamp,
  };
  if (c.changeId !== undefined) s.changeId = c.changeId;
  return s;
}

/** Resolves the last commit of every entry of the directory at `path` in `start`. */
export async function lastCommits(
  r: ObjectReader,
  start: string,
  path: readonly string[],
  opts: { maxCommits?: number } = {},
): Promise<LastCommits> {
  const dirOf = new Map<string, string>();
  const dirOid = async (commitOid: string, tree?: string): Promise<string> => {
    const hit = dirOf.get(commitOid);
    if (hit !== undefined) return hit;
    const t = tree ?? (await orAbsent(readCommit(r, commitOid)))?.tree;
    const oid = t ? ((await orAbsent(entryAt(r, t, path)))?.oid ?? '') : '';
    dirOf.set(commitOid, oid);
    return oid;
  };
  const entriesOf = async (treeOid: string): Promise<Map<string, string>> =>
    treeOid === ''
      ? new Map()
      : new Map(((await orAbsent(readTree(r, treeOid))) ?? []).map((e) => [e.name, e.oid]));

  const startCommit = await readCommit(r, start);
  const want = await entriesOf(await dirOid(start, startCommit.tree));
  const pending = new Set(want.keys());
  const out: LastCommits = { entries: {}, commits: {}, complete: true };
  if (pending.size === 0) return out;

  for await (const w of walkCommits(r, [start], { maxCommits: opts.maxCommits ?? 20_000 })) {
    const mine = await dirOid(w.oid, w.commit.tree);
    if (mine === '') continue;
    const parentDirs: string[] = [];
    for (const p of w.commit.parents) parentDirs.push(await dirOid(p));
    if (parentDirs.includes(mine)) continue;
    const here = await entriesOf(mine);
    const parents = await Promise.all(parentDirs.map(entriesOf));
    for (const name of [...pending]) {
      const v = want.get(name);
      if (here.get(name) !== v || parents.some((p) => p.get(name) === v)) continue;
      out.entries[name] = w.oid;
      out.commits[w.oid] ??= summarize(w.oid, w.commit);
      pending.delete(name);
    }
    if (pending.size === 0) return out;
  }
  out.complete = pending.size === 0;
  return out;
}
