/**
 * How far two commits have diverged: the commits only `head` reaches (ahead) and the commits only
 * `base` reaches (behind), as `git rev-list --left-right --count base...head` counts them.
 *
 * One walk from both tips, newest committer time first, paints each commit with the sides that
 * reach it and hands its paint to its parents; a walked commit that gains a side later (equal or
 * skewed times) is walked again. The walk ends when every queued commit is reached by both sides
 * and is older than every commit reached by one side, so no queued line can still reach one of
 * those (exact whenever parents are not newer than their children). The counts are the final
 * paint. Bounded by `limit` walks: past it the counts are lower bounds and `capped` is set.
 */
import type { Commit } from '../../../common/git/object';
import { orAbsent, readCommit, type ObjectReader } from './objects';

export interface Divergence {
  ahead: number;
  behind: number;
  /** The walk stopped at its limit: the true counts are at least these. */
  capped: boolean;
}

const BASE = 1;
const HEAD = 2;
const BOTH = BASE | HEAD;

interface Painted {
  commit: Commit;
  sides: number;
  queued: boolean;
}

const timeOf = (p: Painted): number => p.commit.committer.timestamp;

/** Each walked commit with the sides that reach it (1: base, 2: head, 3: both). */
export interface PaintedWalk {
  painted: Map<string, { commit: Commit; sides: number }>;
  capped: boolean;
}

export async function aheadBehind(
  r: ObjectReader,
  base: string,
  head: string,
  limit = 10_000,
): Promise<Divergence> {
  if (base === head) return { ahead: 0, behind: 0, capped: false };
  const { painted, capped } = await paintDivergence(r, base, head, limit);
  let ahead = 0;
  let behind = 0;
  for (const p of painted.values()) {
    if (p.sides === HEAD) ahead++;
    else if (p.sides === BASE) behind++;
  }
  return { ahead, behind, capped };
}

/** The walk of `aheadBehind`, keeping every painted commit (landings read the ahead commits). */
export async function paintDivergence(
  r: ObjectReader,
  base: string,
  head: string,
  limit = 10_000,
): Promise<PaintedWalk> {
  const painted = new Map<string, Painted>();
  const queue: Painted[] = []; // sorted by committer time, newest last
  let unshared = 0; // queued commits not reached by both sides
  let oldestOneSided = Infinity; // committer time; never raised (a safe over-estimate of work)

  const enqueue = (p: Painted): void => {
    p.queued = true;
    if (p.sides !== BOTH) unshared++;
    let lo = 0;
    let hi = queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const q = queue[mid];
      if (q && timeOf(q) <= timeOf(p)) lo = mid + 1;
      else hi = mid;
    }
    queue.splice(lo, 0, p);
  };
  const paint = async (oid: string, sides: number): Promise<void> => {
    const known = painted.get(oid);
    if (known) {
      const merged = known.sides | sides;
      if (merged === known.sides) return;
      if (known.queued && merged === BOTH) unshared--;
      known.sides = merged;
      if (!known.queued) enqueue(known); // walked already: hand the new side down too
      return;
    }
    const commit = await orAbsent(readCommit(r, oid));
    if (!commit) return; // a shallow history ends this line
    const p: Painted = { commit, sides, queued: false };
    painted.set(oid, p);
    if (sides !== BOTH) oldestOneSided = Math.min(oldestOneSided, timeOf(p));
    enqueue(p);
  };

  await paint(base, BASE);
  await paint(head, HEAD);
  let walked = 0;
  let capped = false;
  for (;;) {
    const next = queue[queue.length - 1];
    if (!next || (unshared === 0 && timeOf(next) < oldestOneSided)) break;
    if (walked++ >= limit) {
      capped = true;
      break;
    }
    queue.pop();
    next.queued = false;
    if (next.sides !== BOTH) unshared--;
    for (const parent of next.commit.parents) await paint(parent, next.sides);
  }
  return { painted, capped };
}
