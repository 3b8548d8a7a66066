/**
 * Pairs the commits of two revisions of a landing (docs/design/landing-requests.md §3): by change
 * id first; the commits left (no change id, split or squashed changes) the way `git range-diff`
 * does, by a cost matrix solved as an assignment problem: pairing two commits costs the size of
 * the diff between their patches, leaving one unpaired costs its patch size times the creation
 * factor (60%, range-diff's default), and the cheapest assignment wins (Hungarian method).
 */
import { readCommit } from '../../browse/objects';
import { diffTreesFull } from '../../browse/diff/file-diff';
import { formatPatch } from '../../browse/diff/hunks';
import { diffLines } from '../../browse/diff/myers';
import type { RangeCommit } from './commits';
import type { NewObjects } from './objects';

export interface CommitPairing {
  old?: string;
  new?: string;
  changeId?: string;
  /** How the pair was found. */
  by?: 'change-id' | 'patch';
}

/** range-diff's default creation factor, in percent. */
export const CREATION_FACTOR = 60;

/** Past this many unpaired commits on a side, patches are not compared (all added/removed). */
const MAX_PATCH_PAIRING = 50;

/** Pairs `oldRange` with `newRange`; the result follows the new order, removed commits last. */
export async function pairCommits(
  objects: NewObjects,
  oldRange: readonly RangeCommit[],
  newRange: readonly RangeCommit[],
): Promise<CommitPairing[]> {
  const oldById = new Map<string, RangeCommit>();
  for (const c of oldRange)
    if (c.commit.changeId && !oldById.has(c.commit.changeId)) oldById.set(c.commit.changeId, c);
  const pairedOld = new Set<string>();
  const byNew = new Map<string, CommitPairing>();
  for (const n of newRange) {
    const id = n.commit.changeId;
    const o = id ? oldById.get(id) : undefined;
    if (o && id && !pairedOld.has(o.oid)) {
      pairedOld.add(o.oid);
      byNew.set(n.oid, { old: o.oid, new: n.oid, changeId: id, by: 'change-id' });
    }
  }
  const leftOld = oldRange.filter((c) => !pairedOld.has(c.oid));
  const leftNew = newRange.filter((c) => !byNew.has(c.oid));
  if (
    leftOld.length > 0 &&
    leftNew.length > 0 &&
    Math.max(leftOld.length, leftNew.length) <= MAX_PATCH_PAIRING
  ) {
    for (const [i, j] of await pairByPatch(objects, leftOld, leftNew)) {
      const o = leftOld[i] as RangeCommit;
      const n = leftNew[j] as RangeCommit;
      pairedOld.add(o.oid);
      byNew.set(n.oid, { old: o.oid, new: n.oid, by: 'patch' });
    }
  }
  const out: CommitPairing[] = newRange.map((n) => {
    const p = byNew.get(n.oid);
    if (p) return p;
    return n.commit.changeId ? { new: n.oid, changeId: n.commit.changeId } : { new: n.oid };
  });
  for (const o of oldRange) {
    if (pairedOld.has(o.oid)) continue;
    out.push(o.commit.changeId ? { old: o.oid, changeId: o.commit.changeId } : { old: o.oid });
  }
  return out;
}

/** The patch of a commit as lines, hunk headers without line numbers (as range-diff reads it). */
async function patchLines(objects: NewObjects, c: RangeCommit): Promise<string[]> {
  const parent = c.commit.parents[0];
  const before = parent ? (await readCommit(objects, parent)).tree : undefined;
  const d = await diffTreesFull(objects, before, c.commit.tree);
  const lines: string[] = [];
  for (const f of d.files) {
    lines.push(`## ${f.previousPath ? `${f.previousPath} -> ` : ''}${f.path} ##`);
    if (f.hunks) {
      for (const l of formatPatch(f.hunks).split('\n')) lines.push(l.startsWith('@@') ? '@@' : l);
    }
  }
  return lines;
}

/** Pairs (old index, new index) chosen by range-diff's assignment. */
async function pairByPatch(
  objects: NewObjects,
  olds: readonly RangeCommit[],
  news: readonly RangeCommit[],
): Promise<Array<[number, number]>> {
  const a = await Promise.all(olds.map((c) => patchLines(objects, c)));
  const b = await Promise.all(news.map((c) => patchLines(objects, c)));
  const n = a.length;
  const m = b.length;
  const size = n + m;
  const cost: number[][] = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const ops = diffLines(a[i] as string[], b[j] as string[]);
      (cost[i] as number[])[j] = ops.filter((o) => o.op !== ' ').length;
    }
    const creation = Math.floor(((a[i] as string[]).length * CREATION_FACTOR) / 100);
    for (let j = m; j < size; j++) (cost[i] as number[])[j] = creation;
  }
  for (let j = 0; j < m; j++) {
    const creation = Math.floor(((b[j] as string[]).length * CREATION_FACTOR) / 100);
    for (let i = n; i < size; i++) (cost[i] as number[])[j] = creation;
  }
  const assigned = assignment(cost);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    const j = assigned[i] as number;
    if (j < m) out.push([i, j]);
  }
  return out;
}

/** Minimum-cost assignment of a square matrix (Hungarian method): column of each row. */
export function assignment(cost: readonly (readonly number[])[]): number[] {
  const n = cost.length;
  const INF = Number.MAX_SAFE_INTEGER;
  const u = new Array<number>(n + 1).fill(0);
  const v = new Array<number>(n + 1).fill(0);
  const p = new Array<number>(n + 1).fill(0); // row matched to each column (1-based)
  const way = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Array<number>(n + 1).fill(INF);
    const used = new Array<boolean>(n + 1).fill(false);
    do {
      used[j0] = true;
      const i0 = p[j0] as number;
      let delta = INF;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = (cost[i0 - 1]?.[j - 1] ?? 0) - (u[i0] as number) - (v[j] as number);
        if (cur < (minv[j] as number)) {
          minv[j] = cur;
          way[j] = j0;
        }
        if ((minv[j] as number) < delta) {
          delta = minv[j] as number;
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j] as number] = (u[p[j] as number] as number) + delta;
          v[j] = (v[j] as number) - delta;
        } else minv[j] = (minv[j] as number) - delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0] as number;
      p[j0] = p[j1] as number;
      j0 = j1;
    } while (j0 !== 0);
  }
  const rowToCol = new Array<number>(n).fill(0);
  for (let j = 1; j <= n; j++) if ((p[j] as number) > 0) rowToCol[(p[j] as number) - 1] = j - 1;
  return rowToCol;
}
