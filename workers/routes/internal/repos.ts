/**
 * Internal repository storage API for operators and tests (the operator credential only):
 * - GET /internal/repos/:owner/:repo/packs → {repo_id, packs (with cruft), exact, retired, stray, sweep_at,
 *   grace_ms, now}: the pack catalog and the packs compaction retired (kept in R2 until
 *   `delete_after`, then deleted by RepoObject's alarm), each with whether its .pack and .idx are
 *   in R2 right now, and `stray`: R2 keys under the repository's prefix that neither names (a
 *   push being stored right now, or leftovers of a crash).
 */
import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { r2ObjectStore } from '../../git/storage/object-store';
import { idxKeyOf, repoPrefix } from '../../git/storage/pack-keys';
import { componentOnly } from '../../middleware/components';
import { repoStub } from '../../services/git/repo-context';
import { internalRepoByName } from '../../services/repos/repo-lookup';

export const internalRepoRoutes = new Hono<AppEnv>()
  .use(componentOnly('operator'))
  .get('/:owner/:repo/packs', async (c) => {
    const row = await internalRepoByName(c.var.db, c.req.param('owner'), c.req.param('repo'));
    if (!row) throw AppError.notFound('Repository not found');
    const listing = await repoStub(c.env, row.id).listPacks(row.default_branch);
    // One listing of the repository's prefix answers both what is stored and what is stray.
    const inR2 = new Set(await r2ObjectStore(c.env.BLOBS).list(repoPrefix(row.id)));
    const stored = (key: string) => ({ pack: inR2.has(key), idx: inR2.has(idxKeyOf(key)) });
    const known = new Set(
      [...listing.packs, ...listing.retired].flatMap((p) => [p.key, idxKeyOf(p.key)]),
    );
    const stray = [...inR2].filter((k) => !known.has(k));
    return c.json({
      repo_id: row.id,
      packs: listing.packs.map((p) => ({
        key: p.key,
        size: p.size,
        object_count: p.objectCount,
        cruft: p.cruft === true,
        stored: stored(p.key),
      })),
      exact: listing.exact,
      retired: listing.retired.map((r) => ({
        key: r.key,
        retired_at: r.retiredAt,
        delete_after: r.deleteAfter,
        stored: stored(r.key),
      })),
      stray,
      sweep_at: listing.sweepAt,
      grace_ms: listing.graceMs,
      now: Date.now(),
    });
  });
