/**
 * History walking, newest first: a priority queue on committer time over every parent (git
 * log's default order), or first parents only. Bounded by `maxCommits` so a huge history costs a
 * known amount; callers report when the bound was hit. A commit that is absent (a shallow
 * history) ends its line; a storage error ends the walk with that error.
 */
import type { Commit } from '../../../common/git/object';
import { orAbsent, readCommit, type ObjectReader } from './objects';

export interface WalkedCommit {
  oid: string;
  commit: Commit;
}

export interface WalkOptions {
  firstParent?: boolean;
  maxCommits?: number;
  /** Commits not to yield or walk past (e.g. a merge base's ancestors). */
  exclude?: ReadonlySet<string>;
}

/** Yields commits reachable from `starts`, newest committer time first, each once. */
export async function* walkCommits(
  r: ObjectReader,
  starts: readonly string[],
  opts: WalkOptions = {},
): AsyncGenerator<WalkedCommit, void, undefined> {
  const max = opts.maxCommits ?? 100_000;
  const seen = new Set<string>();
  const queue: WalkedCommit[] = [];
  const push = async (oid: string) => {
    if (seen.has(oid) || opts.exclude?.has(oid)) return;
    seen.add(oid);
    const commit = await orAbsent(readCommit(r, oid));
    if (!commit) return; // a shallow history ends here; a failed read fails the walk
    // Insert keeping the queue sorted by time, newest last (so pop() is the newest).
    const t = commit.committer.timestamp;
    let lo = 0;
    let hi = queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((queue[mid]?.commit.committer.timestamp ?? 0) <= t) lo = mid + 1;
      else hi = mid;
    }
    queue.splice(lo, 0, { oid, commit });
  };
  for (const s of starts) await push(s);
  let emitted = 0;
  while (queue.length > 0 && emitted < max) {
    const next = queue.pop();
    if (!next) break;
    emitted++;
    yield next;
    const parents = opts.firstParent ? next.commit.parents.slice(0, 1) : next.commit.parents;
    for (const p of parents) await push(p);
  }
}
