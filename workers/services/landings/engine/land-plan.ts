/**
 * What landing does to the object graph, computed without I/O: the new target tip and the
 * objects to write for a fast-forward, a rebase (change ids kept) or a merge commit. The caller
 * (land.ts) writes the objects and moves the ref. A landing whose lower commits already reached
 * the target lands only the rest.
 */
import type { Signature } from '../../../../common/git/object';
import { readCommit } from '../../browse/objects';
import { newCommit, readRange, type RangeCommit } from './commits';
import { mergeTrees, type FileConflict } from './merge-trees';
import { NewObjects, type NewObject, type ObjectReader } from './objects';
import { rebase } from './rebase';

export type LandMethod = 'fast-forward' | 'rebase' | 'merge';

export interface LandPlanInput {
  targetTip: string;
  /** The landing's head and the commit its range sits on. */
  head: string;
  base: string;
  method: LandMethod;
  committer: Signature;
  /** Message of a merge commit. */
  message?: string;
}

export type LandPlan =
  | {
      ok: true;
      newTarget: string;
      /** Each landed commit: the landing's commit and what the target now holds for it. */
      commits: Array<{ original: string; landed: string }>;
      /** The target only moves forward to the landing's own commits. */
      fastForward: boolean;
      /** Objects to write (reachable from the new tip, new to this engine run). */
      objects: NewObject[];
    }
  | { ok: false; reason: 'conflict'; conflicts: FileConflict[]; at?: string }
  | { ok: false; reason: 'not-fast-forward' | 'nothing-to-land' };

/** Plans a land of `head` onto `targetTip`. */
export async function planLand(reader: ObjectReader, x: LandPlanInput): Promise<LandPlan> {
  const objects = new NewObjects(reader);
  if (x.head === x.targetTip) return { ok: false, reason: 'nothing-to-land' };
  let range = await readRange(objects, x.head, x.base);
  // Lower commits already on the target (landed earlier, or the target was fast-forwarded).
  const landed = range.findIndex((c) => c.oid === x.targetTip);
  if (landed >= 0) range = range.slice(landed + 1);
  const onTarget = (range[0]?.commit.parents[0] ?? x.base) === x.targetTip;
  const same = (r: RangeCommit[]) => r.map((c) => ({ original: c.oid, landed: c.oid }));
  if (x.method === 'fast-forward' || (x.method === 'rebase' && onTarget)) {
    if (!onTarget) return { ok: false, reason: 'not-fast-forward' };
    return { ok: true, newTarget: x.head, commits: same(range), fastForward: true, objects: [] };
  }
  if (x.method === 'rebase') {
    const r = await rebase(objects, range, x.targetTip, x.committer);
    if (!r.ok) return { ok: false, reason: 'conflict', conflicts: r.conflicts, at: r.at };
    return {
      ok: true,
      newTarget: r.head,
      commits: r.commits.map((c) => ({ original: c.original, landed: c.rebased })),
      fastForward: r.fastForward,
      objects: objects.reachable([r.head]),
    };
  }
  const [b, t, h] = await Promise.all([
    readCommit(objects, range[0]?.commit.parents[0] ?? x.base),
    readCommit(objects, x.targetTip),
    readCommit(objects, x.head),
  ]);
  const merged = await mergeTrees(objects, b.tree, t.tree, h.tree);
  if (merged.conflicts.length > 0) {
    return { ok: false, reason: 'conflict', conflicts: merged.conflicts };
  }
  const merge = newCommit(objects, {
    tree: merged.tree,
    parents: [x.targetTip, x.head],
    author: x.committer,
    committer: x.committer,
    message: x.message ?? `Merge ${x.head.slice(0, 12)}`,
  });
  return {
    ok: true,
    newTarget: merge,
    commits: same(range),
    fastForward: false,
    objects: objects.reachable([merge]),
  };
}
