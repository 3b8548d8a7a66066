/**
 * Rebase, in memory: re-creates a linear range of commits on a new base, oldest first, each one
 * a three-way tree merge (base: the original parent's tree, ours: the new parent's, theirs: the
 * commit's), as git's merge backend cherry-picks. Rebased commits keep their author, message and
 * every extra header (jj's `change-id` included, so a landing still matches its change) except
 * signatures; the committer is the person landing, at the time given. A range already on the
 * new base is a fast-forward and nothing is rewritten. The first conflict stops the rebase with
 * the typed conflict list. Commits that become empty are kept, as jj keeps them.
 */
import type { Signature } from '../../../../common/git/object';
import { readCommit } from '../../browse/objects';
import { rewriteCommit, type RangeCommit } from './commits';
import { mergeTrees, type FileConflict } from './merge-trees';
import type { NewObjects } from './objects';

export interface RebasedCommit {
  original: string;
  rebased: string;
  /** The rebased commit's tree. */
  tree: string;
}

export type RebaseResult =
  | {
      ok: true;
      /** The new tip (the old one on a fast-forward). */
      head: string;
      commits: RebasedCommit[];
      /** The range already sat on `onto`: nothing was rewritten. */
      fastForward: boolean;
    }
  | {
      ok: false;
      /** The commit that did not apply, and where it sits in the range. */
      at: string;
      index: number;
      conflicts: FileConflict[];
    };

export interface RebaseOptions {
  /** Whose side a conflicting path keeps when `keepGoing` (interdiffs); default theirs. */
  prefer?: 'ours' | 'theirs';
  /**
   * Carry on past conflicts (the trees then hold `prefer`'s side), for an interdiff of a
   * rebase that conflicts; the result is ok with `conflicts` per commit.
   */
  keepGoing?: boolean;
}

/** What `rebase` returns with `keepGoing`: every commit, conflicts or not. */
export interface RebasedRange {
  head: string;
  commits: Array<RebasedCommit & { conflicts: FileConflict[] }>;
}

/** Rebases `range` (oldest first, linear) onto the commit `onto`. */
export async function rebase(
  objects: NewObjects,
  range: readonly RangeCommit[],
  onto: string,
  committer: Signature,
): Promise<RebaseResult> {
  const first = range[0];
  if (!first || first.commit.parents[0] === onto) {
    const head = range.at(-1)?.oid ?? onto;
    return {
      ok: true,
      head,
      fastForward: true,
      commits: range.map((c) => ({ original: c.oid, rebased: c.oid, tree: c.commit.tree })),
    };
  }
  const out = await replay(objects, range, onto, committer, { prefer: 'theirs' });
  const stop = out.commits.findIndex((c) => c.conflicts.length > 0);
  if (stop >= 0) {
    const c = out.commits[stop] as RebasedCommit & { conflicts: FileConflict[] };
    return { ok: false, at: c.original, index: stop, conflicts: c.conflicts };
  }
  return {
    ok: true,
    head: out.head,
    fastForward: false,
    commits: out.commits.map(({ original, rebased, tree }) => ({ original, rebased, tree })),
  };
}

/**
 * Replays every commit of `range` onto `onto`. Without `keepGoing` it stops after the first
 * commit that conflicts (that commit is the last one returned).
 */
export async function replay(
  objects: NewObjects,
  range: readonly RangeCommit[],
  onto: string,
  committer: Signature,
  opts: RebaseOptions = {},
): Promise<RebasedRange> {
  const commits: RebasedRange['commits'] = [];
  let parent = onto;
  let parentTree = (await readCommit(objects, onto)).tree;
  let originalParentTree: string | undefined;
  for (const { oid, commit, body } of range) {
    const before = commit.parents[0];
    originalParentTree ??= before ? (await readCommit(objects, before)).tree : undefined;
    const merged = await mergeTrees(objects, originalParentTree, parentTree, commit.tree, {
      prefer: opts.prefer ?? 'theirs',
    });
    const rebased = rewriteCommit(objects, body, {
      tree: merged.tree,
      parents: [parent],
      committer,
    });
    commits.push({ original: oid, rebased, tree: merged.tree, conflicts: merged.conflicts });
    if (merged.conflicts.length > 0 && !opts.keepGoing) break;
    parent = rebased;
    parentTree = merged.tree;
    originalParentTree = commit.tree;
  }
  return { head: parent, commits };
}
