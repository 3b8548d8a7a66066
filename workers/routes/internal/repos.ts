/**
 * Internal repository storage API for operators and tests (internal secret only):
 * - GET /internal/repos/:owner/:repo/packs → {repo_id, packs, retired, stray, sweep_at,
 *   grace_ms, now}: the pack catalog and the packs compaction retired (kept in R2 until
 *   `delete_after`, then deleted by RepoObject's alarm), each with whether its .pack and .idx are
 *   in R2 right now, and `stray`: R2 keys under the repository's prefix that neither names (a
 *   push being stored right now, or leftovers of a crash).
 */
import { Hono } from 'hono';
import { findRepo } from '../../../db/queries/repositories';
import type { AppEnv } from '../../env';
import { AppError } from '../../errors';
import { r2ObjectStore, type ObjectStore } from '../../git/storage/object-store';
import { idxKeyOf, repoPrefix } from '../../git/storage/pack-keys';
import { INTERNAL_SECRET_HEADER, internalSecretValid } from '../../middleware/auth';

async function stored(store: ObjectStore, key: string): Promise<{ pack: boolean; idx: boolean }> {
  const [pack, idx] = await Promise.all([store.head(key), store.head(idxKeyOf(key))]);
  return { pack: pack !== undefined, idx: idx !== undefined };
}

export const internalRepoRoutes = new Hono<AppEnv>()
  .use(async (c, next) => {
    if (!internalSecretValid(c.env, c.req.header(INTERNAL_SECRET_HEADER))) {
      throw AppError.unauthenticated('Internal endpoint', 'internal_secret_invalid');
    }
    return next();
  })
  .get('/:owner/:repo/packs', async (c) => {
    const row = await findRepo(c.var.db, c.req.param('owner'), c.req.param('repo'));
    if (!row) throw AppError.notFound('Repository not found');
    const listing = await c.env.REPO.get(c.env.REPO.idFromName(`repo:${row.id}`)).listPacks(
      row.default_branch,
    );
    const store = r2ObjectStore(c.env.BLOBS);
    const known = new Set(
      [...listing.packs, ...listing.retired].flatMap((p) => [p.key, idxKeyOf(p.key)]),
    );
    const stray = (await store.list(repoPrefix(row.id))).filter((k) => !known.has(k));
    return c.json({
      repo_id: row.id,
      packs: await Promise.all(
        listing.packs.map(async (p) => ({
          key: p.key,
          size: p.size,
          object_count: p.objectCount,
          stored: await stored(store, p.key),
        })),
      ),
      retired: await Promise.all(
        listing.retired.map(async (r) => ({
          key: r.key,
          retired_at: r.retiredAt,
          delete_after: r.deleteAfter,
          stored: await stored(store, r.key),
        })),
      ),
      stray,
      sweep_at: listing.sweepAt,
      grace_ms: listing.graceMs,
      now: Date.now(),
    });
  });
