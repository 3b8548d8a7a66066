/**
 * What happens after refs moved: the push is logged; the repository record learns it was pushed
 * (pushed_at, updated_at, and the default branch when the first push chose HEAD) and its edge copy
 * is dropped; a `push` workflow event is recorded per updated ref (workflow-events.ts); the packs
 * are compacted when they need it (compaction.ts); commit messages reference issues and `Fixes #n`
 * on the default branch closes them (issues/push-references.ts); a branch that is the source of
 * open landing requests gives each a new revision (landings/branch-sync.ts). Later capabilities
 * hook in here.
 */
import { markRepoPushed } from '../../../db/queries/repositories';
import type { Env } from '../../env';
import { errorFields, type Logger } from '../../../common/log';
import { purgeRepoMeta, type EdgeCache } from '../cache/cache';
import { recordPushReferences } from '../issues/push-references';
import { syncBranchLandings } from '../landings/branch-sync';
import { openDb } from '../platform/database';
import { recordPushEvents } from '../workflows/workflow-events';
import { ringClaims } from '../runs/claim-bell';
import { compactIfNeeded } from './compaction';
import type { ProtectionRule } from '../repos/branch-protection';
import type { PushedRef } from './receive-pack';
import type { GitRepoContext } from './repo-context';

export interface PushSummary {
  refs: PushedRef[];
  head: string;
  actorId: string | undefined;
  /** The repository's protection rules, when the push read them already (once per push). */
  rules?: ProtectionRule[];
}

/** The branch HEAD names when it differs from the recorded default branch, else undefined. */
export function movedDefaultBranch(head: string, defaultBranch: string): string | undefined {
  const branch = head.startsWith('refs/heads/') ? head.slice('refs/heads/'.length) : undefined;
  return branch !== undefined && branch !== defaultBranch ? branch : undefined;
}

export async function onPushed(
  env: Env,
  ctx: GitRepoContext,
  cache: EdgeCache,
  push: PushSummary,
  log: Logger,
): Promise<void> {
  const moved = push.refs.filter((r) => r.ok);
  log.info('push', {
    repo: ctx.repo.fullName,
    actor: push.actorId,
    refs: moved.map((r) => `${r.ref} ${r.oldOid.slice(0, 7)}..${r.newOid.slice(0, 7)}`),
  });
  if (moved.length > 0) {
    // The push's request may have ended: this work has a connection of its own, shared by the
    // record, the workflow events and the issue references.
    const db = openDb(env);
    try {
      try {
        const head = movedDefaultBranch(push.head, ctx.repo.defaultBranch);
        await markRepoPushed(db, ctx.repo.id, new Date(), head);
        const [owner = '', name = ''] = ctx.repo.fullName.split('/');
        await purgeRepoMeta(cache, owner, name);
        await recordPushEvents(db, ctx.repo.id, push.refs, push.actorId);
      } catch (err) {
        log.error('recording the push failed', errorFields(err));
      }
      // The push's events, and the landing events its review recorded, are in: wake the claims.
      await ringClaims(env);
      try {
        const closed = await recordPushReferences(db, ctx, push.refs, push.actorId, new Date());
        if (closed.length > 0) {
          log.info('issues closed by push', { repo: ctx.repo.fullName, closed });
        }
      } catch (err) {
        log.error('recording issue references failed', errorFields(err));
      }
      try {
        const revised = await syncBranchLandings(
          db,
          ctx,
          push.refs,
          push.actorId,
          new Date(),
          push.rules,
        );
        if (revised.length > 0) {
          log.info('landings revised by push', { revised });
          await ringClaims(env);
        }
      } catch (err) {
        log.error('revising landings failed', errorFields(err));
      }
    } finally {
      await db.end();
    }
  }
  await compactIfNeeded(ctx, log);
}
