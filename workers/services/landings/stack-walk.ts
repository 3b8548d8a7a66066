/**
 * The commits a landing brings onto its target: those `head` reaches and the target's tip does
 * not (one walk, browse/ahead-behind.ts), ordered oldest first, with the merge base they sit on.
 * A stack is linear (docs/design/landing-requests.md §5): a merge commit inside it is refused
 * with the reason, as is a history that shares nothing with the target.
 */
import type { Commit } from '../../../common/git/object';
import { paintDivergence } from '../browse/ahead-behind';
import type { ObjectReader } from '../browse/objects';

const HEAD_ONLY = 2;

/** A stack is at most this many commits (each may be its own landing). */
export const MAX_STACK = 100;

export interface StackCommit {
  oid: string;
  commit: Commit;
}

export type Stack =
  { ok: true; commits: StackCommit[]; base: string } | { ok: false; reason: string };

/** The linear run of commits from the merge base with `targetTip` up to `head`. */
export async function readStack(
  r: ObjectReader,
  targetTip: string,
  head: string,
  opts: { linear: boolean } = { linear: true },
): Promise<Stack> {
  if (targetTip === head) return { ok: false, reason: 'no new changes' };
  const { painted, capped } = await paintDivergence(r, targetTip, head, 20 * MAX_STACK);
  if (capped) return { ok: false, reason: 'too far from the target branch to compare' };
  const ahead = new Map([...painted].filter(([, p]) => p.sides === HEAD_ONLY));
  if (ahead.size === 0) return { ok: false, reason: 'no new changes (already on the target)' };
  if (ahead.size > MAX_STACK) {
    return { ok: false, reason: `more than ${MAX_STACK} commits ahead of the target` };
  }
  // Down the first parents from the head; every ahead commit must be on that line.
  const commits: StackCommit[] = [];
  let oid: string | undefined = head;
  while (oid !== undefined && ahead.has(oid)) {
    const commit = ahead.get(oid)?.commit as Commit; // has(oid) was just checked
    if (opts.linear && commit.parents.length > 1) {
      return {
        ok: false,
        reason: `merge commit ${oid.slice(0, 10)} in a stack (stacks are linear)`,
      };
    }
    commits.push({ oid, commit });
    oid = commit.parents[0];
  }
  if (oid === undefined) {
    return { ok: false, reason: 'no history in common with the target branch' };
  }
  if (opts.linear && commits.length !== ahead.size) {
    return { ok: false, reason: 'the commits ahead of the target are not one linear line' };
  }
  return { ok: true, commits: commits.reverse(), base: oid };
}
