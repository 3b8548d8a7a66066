/**
 * jj change pages: the commits that carried one change id (its rewrites), newest first, and the
 * interdiff between two of them: the files either version changed relative to its own parent,
 * diffed from the older version's tree to the newer one's (so a rebase's unrelated upstream
 * changes stay out of it), with renames detected as in a commit's diff.
 */
import { diffChange, type FileDiff } from './diff/file-diff';
import { detectRenames } from './diff/renames';
import { diffTrees, type FileChange } from './diff/tree-diff';
import { entryAt, orAbsent, readCommit, splitPath, type ObjectReader } from './objects';
import { summarize, type CommitSummary } from './last-commits';
import { walkCommits } from './walk';

export interface ChangeVersion extends CommitSummary {
  parents: string[];
  tree: string;
}

/** Commits with `changeId` among those reachable from `starts` and the `extra` candidates. */
export async function findChangeVersions(
  r: ObjectReader,
  changeId: string,
  starts: readonly string[],
  extra: readonly string[] = [],
  maxCommits = 20_000,
): Promise<{ versions: ChangeVersion[]; complete: boolean }> {
  const found = new Map<string, ChangeVersion>();
  let walked = 0;
  for await (const w of walkCommits(r, starts, { maxCommits })) {
    walked++;
    if (w.commit.changeId === changeId) {
      found.set(w.oid, {
        ...summarize(w.oid, w.commit),
        parents: w.commit.parents,
        tree: w.commit.tree,
      });
    }
  }
  for (const oid of extra) {
    if (found.has(oid)) continue;
    const c = await orAbsent(readCommit(r, oid));
    if (c?.changeId === changeId) {
      found.set(oid, { ...summarize(oid, c), parents: c.parents, tree: c.tree });
    }
  }
  const versions = [...found.values()].sort((a, b) => b.time - a.time || (a.oid < b.oid ? -1 : 1));
  return { versions, complete: walked < maxCommits };
}

async function ownChanges(r: ObjectReader, v: ChangeVersion): Promise<string[]> {
  const parentTree = v.parents[0] ? (await readCommit(r, v.parents[0])).tree : undefined;
  return (await diffTrees(r, parentTree, v.tree)).changes.map((c) => c.path);
}

/** The interdiff from version `from` to version `to`. */
export async function interdiff(
  r: ObjectReader,
  from: ChangeVersion,
  to: ChangeVersion,
): Promise<FileDiff[]> {
  const paths = [...new Set([...(await ownChanges(r, from)), ...(await ownChanges(r, to))])].sort();
  const changes: FileChange[] = [];
  for (const path of paths.slice(0, 300)) {
    const parts = splitPath(path);
    const a = await entryAt(r, from.tree, parts);
    const b = await entryAt(r, to.tree, parts);
    if (a?.oid === b?.oid) continue;
    const blobA = a?.kind === 'blob' || a?.kind === 'symlink' ? a : undefined;
    const blobB = b?.kind === 'blob' || b?.kind === 'symlink' ? b : undefined;
    if (!blobA && !blobB) continue;
    const status = !blobA ? 'added' : !blobB ? 'removed' : 'modified';
    const c: FileChange = { path, status };
    if (blobA) Object.assign(c, { oldOid: blobA.oid, oldMode: blobA.mode });
    if (blobB) Object.assign(c, { newOid: blobB.oid, newMode: blobB.mode });
    changes.push(c);
  }
  const out: FileDiff[] = [];
  for (const c of (await detectRenames(r, changes)).changes) {
    out.push({ ...c, ...(await diffChange(r, c)) });
  }
  return out;
}
