/**
 * Mergeability, computed once per (landing head, its base, target tip): the page, the API's
 * `…/mergeability` and a land's pre-check answer from the landing's cached row while the key
 * matches, and compute the three-way tree merge (engine/mergeability.ts) only when the landing
 * or its target moved, which also replaces the row. The key is the whole input of the merge, so
 * a matching row is never stale; nothing has to invalidate it.
 */
import type { Db } from '../../../db/client';
import {
  findMergeability,
  storeMergeability,
  type CachedMergeability,
  type MergeabilityKey,
} from '../../../db/queries/landing-mergeability';

export type { CachedMergeability, MergeabilityKey };

/** The landing's mergeability for `key`, from the cache or from `compute` (then stored). */
export async function cachedMergeability(
  db: Db,
  landingId: string,
  key: MergeabilityKey,
  compute: () => Promise<CachedMergeability>,
  now: Date,
): Promise<CachedMergeability> {
  const hit = await findMergeability(db, landingId, key);
  if (hit) return hit;
  const fresh = await compute();
  const answer = {
    clean: fresh.clean,
    conflicts: fresh.conflicts.map((c) => ({ path: c.path, kind: c.kind })),
  };
  await storeMergeability(db, landingId, key, answer, now);
  return answer;
}
