/**
 * Interdiffs between two revisions of a landing (docs/design/landing-requests.md §3): what the
 * author changed between them with the move of the base factored out. When both sit on the same
 * parent it is a plain tree diff; otherwise the old side is first rebased in memory onto the new
 * side's parent (one three-way merge of trees, as jj's interdiff does) and then diffed. A rebase
 * that conflicts still gives a diff: conflicting paths keep the old revision's side, and the hunks
 * that touch a conflicting region are marked, since they may come from the rebase rather than from
 * the author. Multi-commit revisions are compared commit by commit too, paired by change id
 * (pairing.ts pairs the rest).
 */
import { readCommit } from '../../browse/objects';
import {
  DEFAULT_LIMITS,
  diffTreesFull,
  type DiffLimits,
  type FileDiff,
} from '../../browse/diff/file-diff';
import type { Hunk } from '../../browse/diff/hunks';
import type { ConflictRegion } from './diff3';
import { readRange, type RangeCommit } from './commits';
import { mergeTrees, type ConflictKind, type FileConflict } from './merge-trees';
import { NewObjects, type ObjectReader } from './objects';
import { pairCommits, type CommitPairing } from './pairing';

/** A revision: its head commit and the commit its range sits on. */
export interface Revision {
  head: string;
  base: string;
}

export interface InterdiffHunk extends Hunk {
  /** The hunk touches a region where rebasing the old side conflicted. */
  fromRebaseConflict?: boolean;
}

export interface InterdiffFile extends Omit<FileDiff, 'hunks'> {
  hunks?: InterdiffHunk[];
  /** The rebase of the old side conflicted on this path, with this kind. */
  rebaseConflict?: ConflictKind;
}

export interface TreeInterdiff {
  files: InterdiffFile[];
  /** The old side was rebased onto the new parent before diffing. */
  rebased: boolean;
  /** Conflicts of that rebase (empty when clean or not rebased). */
  conflicts: FileConflict[];
  /** No file differs: the new side changes exactly what the old one did. */
  empty: boolean;
  truncated: boolean;
}

export interface CommitInterdiff extends CommitPairing {
  verdict: 'unchanged' | 'changed' | 'added' | 'removed';
  /** The commit message differs (paired commits only). */
  messageChanged?: boolean;
  /** Paired commits only: their interdiff. */
  diff?: TreeInterdiff;
}

export interface RevisionInterdiff {
  /** The whole revisions: old head rebased onto the new base, then diffed with the new head. */
  whole: TreeInterdiff;
  /** Commit by commit, in the new revision's order (removed commits after). */
  commits: CommitInterdiff[];
}

/**
 * Interdiff of one side's change (oldParent → oldTree) against the other's (newParent →
 * newTree), all tree ids.
 */
export async function interdiffTrees(
  objects: NewObjects,
  x: { oldParent: string; oldTree: string; newParent: string; newTree: string },
  limits: DiffLimits = DEFAULT_LIMITS,
): Promise<TreeInterdiff> {
  if (x.oldParent === x.newParent || x.oldTree === x.newTree) {
    const d = await diffTreesFull(objects, x.oldTree, x.newTree, limits);
    return {
      files: d.files,
      rebased: false,
      conflicts: [],
      empty: d.files.length === 0,
      truncated: d.truncated,
    };
  }
  const merged = await mergeTrees(objects, x.oldParent, x.newParent, x.oldTree, {
    prefer: 'theirs',
  });
  const d = await diffTreesFull(objects, merged.tree, x.newTree, limits);
  const byPath = new Map(merged.conflicts.map((c) => [c.path, c]));
  const files = d.files.map((f): InterdiffFile => {
    const c = byPath.get(f.previousPath ?? f.path) ?? byPath.get(f.path);
    if (!c) return f;
    return {
      ...f,
      rebaseConflict: c.kind,
      ...(f.hunks ? { hunks: f.hunks.map((h) => markHunk(h, c.regions)) } : {}),
    };
  });
  return {
    files,
    rebased: true,
    conflicts: merged.conflicts,
    empty: files.length === 0,
    truncated: d.truncated,
  };
}

/**
 * Marks a hunk whose changed lines meet a conflicting region (regions are 0-based line ranges of
 * the rebased old file, the diff's old side). Without regions (a whole-file conflict) every
 * hunk is marked.
 */
function markHunk(h: Hunk, regions: readonly ConflictRegion[] | undefined): InterdiffHunk {
  if (!regions) return { ...h, fromRebaseConflict: true };
  let lastOld = h.oldStart - 1;
  const inRegion = (line: number, insertion: boolean) =>
    regions.some(({ output: [s, e] }) =>
      insertion ? line >= s && line <= e : line >= s + 1 && line <= e,
    );
  for (const l of h.lines) {
    if (l.oldNo !== undefined) lastOld = l.oldNo;
    if (l.op === '-' && inRegion(lastOld, false)) return { ...h, fromRebaseConflict: true };
    if (l.op === '+' && inRegion(lastOld, true)) return { ...h, fromRebaseConflict: true };
  }
  return h;
}

/** Interdiff between two revisions of a landing, whole and commit by commit. */
export async function interdiffRevisions(
  reader: ObjectReader,
  oldRev: Revision,
  newRev: Revision,
  limits: DiffLimits = DEFAULT_LIMITS,
): Promise<RevisionInterdiff> {
  const objects = new NewObjects(reader);
  const treeOf = async (oid: string) => (await readCommit(objects, oid)).tree;
  const whole = await interdiffTrees(
    objects,
    {
      oldParent: await treeOf(oldRev.base),
      oldTree: await treeOf(oldRev.head),
      newParent: await treeOf(newRev.base),
      newTree: await treeOf(newRev.head),
    },
    limits,
  );
  const [oldRange, newRange] = await Promise.all([
    readRange(objects, oldRev.head, oldRev.base),
    readRange(objects, newRev.head, newRev.base),
  ]);
  const pairs = await pairCommits(objects, oldRange, newRange);
  const commits: CommitInterdiff[] = [];
  for (const p of pairs)
    commits.push(await commitInterdiff(objects, p, oldRange, newRange, limits));
  return { whole, commits };
}

async function commitInterdiff(
  objects: NewObjects,
  p: CommitPairing,
  oldRange: readonly RangeCommit[],
  newRange: readonly RangeCommit[],
  limits: DiffLimits,
): Promise<CommitInterdiff> {
  const o = oldRange.find((c) => c.oid === p.old);
  const n = newRange.find((c) => c.oid === p.new);
  if (!o) return { ...p, verdict: 'added' };
  if (!n) return { ...p, verdict: 'removed' };
  const parentTree = async (c: RangeCommit) => {
    const parent = c.commit.parents[0];
    return parent ? (await readCommit(objects, parent)).tree : objects.addTree([]);
  };
  const diff = await interdiffTrees(
    objects,
    {
      oldParent: await parentTree(o),
      oldTree: o.commit.tree,
      newParent: await parentTree(n),
      newTree: n.commit.tree,
    },
    limits,
  );
  const messageChanged = o.commit.message !== n.commit.message;
  const verdict = diff.empty && !messageChanged ? 'unchanged' : 'changed';
  return { ...p, verdict, messageChanged, diff };
}

/**
 * Whether revision 2 only rebased revision 1 (no file, commit or message differs once the base
 * move is factored out, and the rebase did not conflict): an approval of revision 1 then still
 * holds (docs/design/landing-requests.md §7, as Gerrit's trivial-rebase copy condition).
 */
export function onlyRebased(d: RevisionInterdiff): boolean {
  return (
    d.whole.empty &&
    d.whole.conflicts.length === 0 &&
    d.commits.every((c) => c.verdict === 'unchanged')
  );
}
