/**
 * What happens after refs moved: the push is logged, a `push` workflow event is recorded per
 * updated ref (workflow-events.ts), small packs are compacted, and later capabilities hook in
 * here (edge-cache invalidation of ref-addressed views).
 */
import { choosePacksToMerge, mergePacks } from '../../git/storage/compact';
import { idxKeyOf } from '../../git/storage/pack-keys';
import type { Env } from '../../env';
import { errorFields, type Logger } from '../../middleware/logger';
import { recordPushEventsAfterPush } from '../workflow-events';
import type { PushedRef } from './receive-pack';
import type { GitRepoContext } from './repo-context';

export interface PushSummary {
  refs: PushedRef[];
  head: string;
  actorId: string | undefined;
}

export async function onPushed(
  env: Env,
  ctx: GitRepoContext,
  push: PushSummary,
  log: Logger,
): Promise<void> {
  log.info('push', {
    repo: ctx.repo.fullName,
    actor: push.actorId,
    refs: push.refs
      .filter((r) => r.ok)
      .map((r) => `${r.ref} ${r.oldOid.slice(0, 7)}..${r.newOid.slice(0, 7)}`),
  });
  try {
    await recordPushEventsAfterPush(env, ctx.repo.id, push.refs, push.actorId);
  } catch (err) {
    log.error('recording push events failed', errorFields(err));
  }
  await compactIfNeeded(ctx, log);
}

/**
 * Merges small packs when there are many (see workers/git/storage/compact.ts). The packs it
 * replaces are not deleted here: the catalog swap retires them and RepoObject's alarm deletes
 * them after PACK_RETIRE_GRACE_MS, since a fetch that read the old catalog may still be reading.
 */
export async function compactIfNeeded(ctx: GitRepoContext, log: Logger): Promise<void> {
  const state = await ctx.refs.state(ctx.repo.defaultBranch);
  const chosen = choosePacksToMerge(state.packs);
  if (!chosen) return;
  const started = Date.now();
  const merged = await mergePacks(ctx.store, ctx.repo.id, chosen);
  const swapped = await ctx.refs.replacePacks(
    chosen.map((p) => p.key),
    merged,
  );
  // A lost swap leaves the merged pack unreferenced and never seen by anyone: delete it now.
  if (!swapped) {
    await ctx.store.delete([merged.key, idxKeyOf(merged.key)]).catch(() => undefined);
  }
  log.info('packs compacted', {
    repo: ctx.repo.fullName,
    merged: chosen.length,
    objects: merged.objectCount,
    swapped,
    retired: swapped ? chosen.length : 0,
    ms: Date.now() - started,
  });
}
