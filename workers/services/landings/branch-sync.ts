/**
 * A push to a branch that is the source of open landings adds a revision to each (GitHub's
 * `synchronize`): the new tip under `refs/landings/<n>/<revision>` (through RepoObject, like any
 * ref), the revision row, the timeline event and the `pull_request` workflow event. Called after
 * the push's refs moved (git/after-push.ts); a push that leaves the tip where the last revision
 * was adds nothing. A new revision dismisses the approvals it made stale when the target's rule
 * says so (stale-approvals.ts). The repository state, its objects and the protection rules are
 * read once per push, not once per branch.
 */
import { ZERO_OID } from '../../../common/git/refs';
import type { Db } from '../../../db/client';
import { latestRevisions, openLandingsFromBranch } from '../../../db/queries/landings';
import type { ObjectReader } from '../browse/objects';
import type { GitRepoContext } from '../git/repo-context';
import { openObjects } from '../git/repo-context';
import type { ProtectionRule } from '../repos/branch-protection';
import { protectionRules } from '../repos/branch-protection-store';
import type { RepoState } from '../../../durable-objects/formats';
import { addRevisionRows, revisionRef } from './record';
import { dismissOnNewRevision } from './stale-approvals';
import { readStack } from './stack-walk';

export interface MovedRef {
  ref: string;
  oldOid: string;
  newOid: string;
  ok: boolean;
}

/** Adds revisions for the branches this push moved; returns `!n/rev` of each one added. */
export async function syncBranchLandings(
  db: Db,
  ctx: GitRepoContext,
  refs: MovedRef[],
  pusherId: string | undefined,
  now: Date,
  knownRules?: ProtectionRule[],
): Promise<string[]> {
  const added: string[] = [];
  let repo: Promise<{ state: RepoState; objects: ObjectReader }> | undefined;
  let rules: Promise<ProtectionRule[]> | undefined;
  const moved = refs.filter(
    (r) => r.ok && r.newOid !== ZERO_OID && r.ref.startsWith('refs/heads/'),
  );
  for (const r of moved) {
    const landings = await openLandingsFromBranch(
      db,
      ctx.repo.id,
      r.ref.slice('refs/heads/'.length),
    );
    if (landings.length === 0) continue;
    const latest = await latestRevisions(
      db,
      landings.map((l) => l.id),
    );
    repo ??= (async () => {
      const state = await ctx.refs.state(ctx.repo.defaultBranch);
      return { state, objects: await openObjects(ctx, state) };
    })();
    const { state, objects } = await repo;
    for (const l of landings) {
      const last = latest.get(l.id);
      if (last?.head_oid === r.newOid) continue;
      const tip = state.refs.find((x) => x.name === `refs/heads/${l.target_branch}`)?.oid;
      if (tip === undefined) continue;
      const stack = await readStack(objects, tip, r.newOid, { linear: false });
      const number = (last?.number ?? 0) + 1;
      const out = await ctx.refs.push({
        commands: [{ ref: revisionRef(l.number, number), oldOid: ZERO_OID, newOid: r.newOid }],
        atomic: true,
        defaultBranch: ctx.repo.defaultBranch,
      });
      if (!out.results[0]?.ok) continue;
      await db.transaction((tx) =>
        addRevisionRows(
          tx,
          l,
          number,
          {
            headOid: r.newOid,
            // Nothing ahead of the target (the branch was merged or reset onto it): the tip.
            baseOid: stack.ok ? stack.base : tip,
            targetOid: tip,
            changeId: null,
            parentChangeId: null,
          },
          { id: pusherId ?? null, now, before: last?.head_oid ?? null },
        ),
      );
      rules ??= knownRules ? Promise.resolve(knownRules) : protectionRules(db, ctx.repo.id);
      await dismissOnNewRevision(db, objects, l, await rules, { actorId: pusherId ?? null, now });
      added.push(`!${l.number}/${number}`);
    }
  }
  return added;
}
