/**
 * What happens after refs moved: the push is logged, and later capabilities hook in here
 * (push events that start workflows, edge-cache invalidation of ref-addressed views).
 */
import type { Env } from '../../env';
import type { Logger } from '../../middleware/logger';
import type { PushedRef } from './receive-pack';
import type { GitRepoContext } from './repo-context';

export interface PushSummary {
  refs: PushedRef[];
  head: string;
  actorId: string | undefined;
}

export async function onPushed(
  _env: Env,
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
}
