/**
 * After a push: the commit messages of the pushed commits are read for issue references, each
 * becomes a `referenced` event on the issue, and `Fixes #n` (or close/resolve) in a commit that
 * reached the default branch closes the issue. At most 100 new commits per ref are read.
 */
import type { Db } from '../../../db/client';
import { findRepoById } from '../../../db/queries/repositories';
import { ZERO_OID } from '../../../common/git/refs';
import { orAbsent, readCommit, type ObjectReader } from '../browse/objects';
import type { PushedRef } from '../git/receive-pack';
import { openObjects, type GitRepoContext } from '../git/repo-context';
import { recordCommitReferences, type PushedCommit } from './cross-references';

const MAX_COMMITS = 100;

/** The commits `newOid` brings that `oldOid` did not have (newest first, bounded). */
async function newCommits(
  objects: ObjectReader,
  oldOid: string,
  newOid: string,
): Promise<Array<{ id: string; message: string }>> {
  const out: Array<{ id: string; message: string }> = [];
  const seen = new Set<string>([oldOid]);
  const queue = [newOid];
  while (queue.length > 0 && out.length < MAX_COMMITS) {
    const oid = queue.shift() as string; // length checked above
    if (seen.has(oid)) continue;
    seen.add(oid);
    const commit = await orAbsent(readCommit(objects, oid));
    if (!commit) continue;
    out.push({ id: oid, message: commit.message });
    queue.push(...commit.parents);
  }
  return out;
}

/** Records references (and closes issues) for the branches a push updated. */
export async function recordPushReferences(
  db: Db,
  ctx: GitRepoContext,
  refs: PushedRef[],
  actorId: string | undefined,
  now: Date,
): Promise<number[]> {
  const branches = refs.filter(
    (r) => r.ok && r.ref.startsWith('refs/heads/') && r.newOid !== ZERO_OID,
  );
  if (branches.length === 0) return [];
  const state = await ctx.refs.state(ctx.repo.defaultBranch);
  const objects = await openObjects(ctx, state);
  const commits = new Map<string, PushedCommit>();
  for (const r of branches) {
    const onDefault = r.ref === `refs/heads/${ctx.repo.defaultBranch}`;
    for (const c of await newCommits(objects, r.oldOid, r.newOid)) {
      const had = commits.get(c.id);
      commits.set(c.id, { ...c, onDefaultBranch: onDefault || (had?.onDefaultBranch ?? false) });
    }
  }
  const repo = await findRepoById(db, ctx.repo.id);
  if (!repo) return [];
  // The pusher's own reading rights decide which other repositories a reference may reach.
  const actor = {
    user: actorId === undefined ? undefined : { id: actorId },
    scopes: new Set(['repo:read', 'repo:write']),
  };
  // Oldest first, so the timeline reads in commit order.
  return recordCommitReferences(db, actor, repo, [...commits.values()].reverse(), now);
}
