/**
 * Keeps a repository's packs in shape after pushes and fetches. Two jobs, one lease at a time
 * per repository (RepoObject):
 * - exact repack, when the live packs may hold duplicates or unreachable objects
 *   (RepoState.exact is false): reachable objects are walked from every ref and rewritten into
 *   one pack, the rest into a cruft pack kept for the unreachable-object grace; cruft packs past
 *   their grace are dropped (workers/git/storage/repack.ts);
 * - geometric merging of many small exact packs by concatenation (workers/git/storage/compact.ts).
 * Replaced packs are retired, not deleted: RepoObject's alarm deletes them after
 * PACK_RETIRE_GRACE_MS, since a fetch that read the old catalog may still be reading.
 */
import { choosePacksToMerge, mergePacks } from '../../git/storage/compact';
import { idxKeyOf } from '../../git/storage/pack-keys';
import { repack } from '../../git/storage/repack';
import type { RepoState } from '../../../durable-objects/formats';
import type { Logger } from '../../../common/log';
import { enumerateObjects } from './fetch-walk';
import { livePacks } from './fetch-pack';
import { openObjects, type GitRepoContext } from './repo-context';

/** Cruft packs kept apart before a repack merges them into one. */
const MAX_CRUFT_PACKS = 4;

/** How long one compaction may hold the repository's lease. */
const LEASE_MS = 10 * 60_000;

/**
 * Runs whichever compaction the catalog needs, if another is not already running. A push that
 * lands while it runs may need another one, and its own attempt found the lease taken: so the
 * holder looks again when done (a few times at most).
 */
export async function compactIfNeeded(
  ctx: GitRepoContext,
  log: Logger,
  now = () => Date.now(),
): Promise<void> {
  for (let round = 0; round < 3; round++) {
    const state = await ctx.refs.state(ctx.repo.defaultBranch);
    const cruftDue = await hasExpiredCruft(ctx, state, now());
    const merge = state.exact && !cruftDue ? choosePacksToMerge(livePacks(state)) : undefined;
    if (state.exact && !cruftDue && !merge) return;
    if (!(await ctx.refs.claimCompaction(LEASE_MS))) return;
    try {
      if (merge) await mergeSmallPacks(ctx, log);
      else await repackExact(ctx, log, now());
    } finally {
      await ctx.refs.releaseCompaction();
    }
  }
}

async function hasExpiredCruft(ctx: GitRepoContext, state: RepoState, now: number) {
  if (!state.packs.some((p) => p.cruft)) return false;
  const written = await ctx.refs.cruftPacks();
  return Object.values(written).some((t) => t + ctx.unreachableGraceMs <= now);
}

async function mergeSmallPacks(ctx: GitRepoContext, log: Logger): Promise<void> {
  const state = await ctx.refs.state(ctx.repo.defaultBranch);
  const chosen = choosePacksToMerge(livePacks(state));
  if (!chosen) return;
  const started = Date.now();
  const merged = await mergePacks(ctx.store, ctx.repo.id, chosen);
  const swapped = await ctx.refs.replacePacks(
    chosen.map((p) => p.key),
    merged,
  );
  // A lost swap leaves the merged pack unreferenced and never seen by anyone: delete it now.
  if (!swapped) await ctx.store.delete([merged.key, idxKeyOf(merged.key)]).catch(() => undefined);
  log.info('packs compacted', {
    repo: ctx.repo.fullName,
    merged: chosen.length,
    objects: merged.objectCount,
    swapped,
    retired: swapped ? chosen.length : 0,
    ms: Date.now() - started,
  });
}

/** Rewrites the packs into exactly the reachable objects plus a cruft pack. */
export async function repackExact(ctx: GitRepoContext, log: Logger, now: number): Promise<void> {
  const started = Date.now();
  const state = await ctx.refs.state(ctx.repo.defaultBranch);
  const objects = await openObjects(ctx, state);
  const tips = [...new Set(state.refs.map((r) => r.oid))];
  const walk =
    tips.length === 0
      ? { objects: [] }
      : await enumerateObjects(objects, {
          wants: tips,
          common: [],
          clientShallow: new Set(),
          deepenNot: [],
        });
  const reachable = new Set(walk.objects.map((o) => o.oid));
  const unreachable = new Set<string>();
  for (const oid of objects.liveOids()) if (!reachable.has(oid)) unreachable.add(oid);
  const written = await ctx.refs.cruftPacks();
  const expired = new Set(
    Object.entries(written)
      .filter(([, t]) => t + ctx.unreachableGraceMs <= now)
      .map(([key]) => key),
  );
  // Past a few cruft packs, their objects are merged into the new one, which is stamped now:
  // they then stay longer than their grace, never shorter, and lookups stay cheap.
  const keepCruft = ctx.unreachableGraceMs > 0;
  const unexpired = Object.keys(written).filter((key) => !expired.has(key));
  const mergedCruft = new Set(keepCruft && unexpired.length >= MAX_CRUFT_PACKS ? unexpired : []);
  for (const oid of objects.oidsIn(mergedCruft)) if (!reachable.has(oid)) unreachable.add(oid);
  const result = await repack(ctx.store, {
    repoId: ctx.repo.id,
    packs: state.packs,
    objects,
    reachable,
    unreachable,
    expiredCruft: expired,
    mergedCruft,
    keepCruft,
  });
  const added = [result.main, result.cruft].filter((p) => p !== undefined);
  const swapped = await ctx.refs.replacePacks(
    result.replaced,
    added,
    state.dirtyGen,
    result.expired,
  );
  if (!swapped) {
    await ctx.store.delete(added.flatMap((p) => [p.key, idxKeyOf(p.key)])).catch(() => undefined);
  }
  log.info('packs repacked', {
    repo: ctx.repo.fullName,
    replaced: result.replaced.length,
    reachable: reachable.size,
    unreachable: result.cruft?.objectCount ?? 0,
    expired: result.expired.length,
    swapped,
    ms: Date.now() - started,
  });
}
