/**
 * What happens after refs moved: the push is logged, a `push` workflow event is recorded per
 * updated ref (workflow-events.ts), the packs are compacted when they need it (compaction.ts), and later capabilities hook in
 * here (edge-cache invalidation of ref-addressed views).
 */
import type { Env } from '../../env';
import { errorFields, type Logger } from '../../../common/log';
import { recordPushEventsAfterPush } from '../workflows/workflow-events';
import { compactIfNeeded } from './compaction';
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
