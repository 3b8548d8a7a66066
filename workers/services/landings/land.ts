/**
 * Landing a landing request's commits on its target branch: plans the new objects in memory
 * (engine/land-plan.ts: fast-forward, rebase keeping change ids, or merge commit), writes them as
 * one pack through the push intake (write-objects.ts), then moves the target, and any other refs
 * the caller names, in one RepoObject compare-and-swap whose expected old value is the tip the
 * plan was computed on. If the target moved meanwhile nothing changes (the pack is deleted) and
 * a `target_moved` conflict says to retry, which is safe: a retry plans again from the new tip.
 * Independent of the database: the caller checks permissions and branch protection first and
 * records the landing's state after.
 */
import { AppError } from '../../../common/errors';
import { addLinks } from '../../../common/git/object-links';
import { objectTypeCode } from '../../../common/git/object';
import { OidSet } from '../../../common/git/oid-set';
import type { PushRequest } from '../../../durable-objects/formats';
import { writeObjectsPack } from '../../git/storage/write-objects';
import type { RepoObjects } from '../../git/storage/repo-objects';
import { pushKeepsExact } from '../git/push-exactness';
import type { PushedRef } from '../git/receive-pack';
import { openObjects, type GitRepoContext } from '../git/repo-context';
import type { FileConflict } from './engine/merge-trees';
import type { NewObject } from './engine/objects';
import { planLand, type LandMethod } from './engine/land-plan';

export type { LandMethod };

/** One ref update of the compare-and-swap. */
export type RefCommand = PushRequest['commands'][number];

export interface LandRequest {
  /** The branch landed on, e.g. `refs/heads/main`. */
  targetRef: string;
  /**
   * The target tip the caller showed as mergeable (its mergeability key); when the branch has
   * moved since, the land is refused rather than landing something nobody reviewed as merged.
   */
  expectedTarget?: string;
  /** The landing's head commit and the commit its range sits on (the revision's base). */
  head: string;
  base: string;
  method: LandMethod;
  lander: { name: string; email: string };
  /** The time of the land, ms since the epoch. */
  now: number;
  /** Message of a merge commit. */
  message?: string;
  /** More ref updates applied in the same compare-and-swap (revision refs, source deletion). */
  alsoUpdate?: RefCommand[];
}

/** What happens after the refs moved, as for a push (receive-pack.ts's hooks). */
export interface LandHooks {
  /**
   * Hears of the refs that moved, like a push's (pass the git route's `onPushed`: workflow
   * `push` events, caches, references). Its errors go to `onError`; the land stands.
   */
  onPushed?(refs: PushedRef[], head: string): Promise<void>;
  onError?(err: unknown): void;
}

export interface LandResult {
  method: LandMethod;
  targetRef: string;
  oldTarget: string;
  newTarget: string;
  /** Each landed commit and the commit the target now holds for it. */
  commits: Array<{ original: string; landed: string }>;
  fastForward: boolean;
  /** Key of the pack written, when the land made objects. */
  pack?: string;
}

/** A land refused because the commits do not apply; `conflicts` lists them per file. */
export class LandConflictError extends AppError {
  constructor(
    readonly conflicts: FileConflict[],
    readonly at?: string,
  ) {
    const paths = [...new Set(conflicts.map((c) => `${c.path} (${c.kind})`))];
    super('conflict', `The landing does not apply to its target: ${paths.join(', ')}`, {
      code: 'land_conflict',
    });
  }
}

/** Lands a landing's commits on its target branch; see the module comment. */
export async function land(
  ctx: GitRepoContext,
  req: LandRequest,
  hooks: LandHooks = {},
): Promise<LandResult> {
  const state = await ctx.refs.state(ctx.repo.defaultBranch);
  const oldTarget = state.refs.find((r) => r.name === req.targetRef)?.oid;
  if (!oldTarget) throw AppError.notFound(`Branch ${req.targetRef} does not exist`, 'no_target');
  if (req.expectedTarget !== undefined && req.expectedTarget !== oldTarget) throw targetMoved();
  const stored = await openObjects(ctx, state);
  const plan = await planLand(stored, {
    targetTip: oldTarget,
    head: req.head,
    base: req.base,
    method: req.method,
    committer: {
      name: req.lander.name,
      email: req.lander.email,
      timestamp: Math.floor(req.now / 1000),
      tz: '+0000',
    },
    ...(req.message !== undefined ? { message: req.message } : {}),
  });
  if (!plan.ok) {
    if (plan.reason === 'conflict') throw new LandConflictError(plan.conflicts, plan.at);
    if (plan.reason === 'nothing-to-land') {
      throw AppError.conflict('The target already holds these commits', 'nothing_to_land');
    }
    throw AppError.conflict(
      'The target has commits the landing lacks: land by rebase or merge commit',
      'not_fast_forward',
    );
  }
  const fresh = plan.objects.filter((o) => !stored.has(o.oid));
  const commands: RefCommand[] = [
    { ref: req.targetRef, oldOid: oldTarget, newOid: plan.newTarget },
    ...(req.alsoUpdate ?? []),
  ];
  const intake =
    fresh.length > 0
      ? await writeObjectsPack(ctx.store, ctx.repo.id, fresh, ctx.limits)
      : undefined;
  const outcome = await ctx.refs
    .push({
      commands,
      atomic: true,
      defaultBranch: ctx.repo.defaultBranch,
      seenPushedPacks: state.pushedPacks,
      keepsExact: keepsExact(state, commands, fresh, stored, intake?.oids),
      ...(intake
        ? {
            pack: {
              key: intake.key,
              checksum: intake.checksum,
              objectCount: intake.objectCount,
              size: intake.size,
            },
          }
        : {}),
    })
    .catch(async (err: unknown) => {
      if (intake) await discard(ctx, intake.key);
      throw err;
    });
  if (!outcome.applied) {
    if (intake) await discard(ctx, intake.key);
    const target = outcome.results[0];
    if (target && !target.ok && target.reason?.startsWith('stale info')) throw targetMoved();
    const why = outcome.results.find((r) => !r.ok && r.reason !== 'atomic push failure');
    throw AppError.conflict(`Landing refused: ${why?.ref} ${why?.reason}`, 'land_refused');
  }
  await hooks
    .onPushed?.(
      commands.map((c) => ({ ...c, ok: true })),
      outcome.head,
    )
    .catch((e: unknown) => hooks.onError?.(e));
  return {
    method: req.method,
    targetRef: req.targetRef,
    oldTarget,
    newTarget: plan.newTarget,
    commits: plan.commits,
    fastForward: plan.fastForward,
    ...(intake ? { pack: intake.key } : {}),
  };
}

function targetMoved(): AppError {
  return AppError.conflict(
    'The target branch moved since this landing was checked; check it again and retry',
    'target_moved',
  );
}

async function discard(ctx: GitRepoContext, key: string): Promise<void> {
  await ctx.store.delete([key, key.replace(/\.pack$/, '.idx')]).catch(() => undefined);
}

/** Whether the land keeps the live packs exact, judged as for a push (push-exactness.ts). */
export function keepsExact(
  state: { exact: boolean; refs: Array<{ name: string; oid: string }> },
  commands: RefCommand[],
  fresh: NewObject[],
  stored: RepoObjects,
  pack: Parameters<typeof pushKeepsExact>[0]['pack'],
): boolean {
  const links = new OidSet(64);
  for (const o of fresh) addLinks(objectTypeCode(o.type), o.body, links);
  let referencesCruft = false;
  links.forEach((ids, at) => {
    if (pack?.hasBytes(ids, at) || stored.hasLiveBytes(ids, at)) return true;
    referencesCruft = true;
    return false;
  });
  return pushKeepsExact({
    wasExact: state.exact,
    commands,
    refs: state.refs,
    ...(pack ? { pack } : {}),
    links,
    referencesCruft,
    storedLive: (bytes, at) => stored.hasLiveBytes(bytes, at),
  });
}
