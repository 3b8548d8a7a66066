/**
 * Keeping a repository's git storage in step with its record: HEAD follows the default branch
 * (which must be one of its branches, read here), and deleting a repository removes its
 * RepoObject state and every pack from R2. Edge copies of the record are purged on any change,
 * under the old name too after a rename or transfer.
 */
import type { Db } from '../../../db/client';
import { listRepoNamesOfOwner, type RepoRow } from '../../../db/queries/repositories';
import type { Env } from '../../env';
import { r2ObjectStore } from '../../git/storage/object-store';
import { repoPrefix } from '../../git/storage/pack-keys';
import { purgeRepoMeta, type EdgeCache } from '../cache/cache';
import { repoStub } from '../git/repo-context';

/** The repository's branch names (without `refs/heads/`), read fresh from its RepoObject. */
export async function branchesOf(env: Env, row: RepoRow): Promise<string[]> {
  const state = await repoStub(env, row.id).state(row.default_branch);
  return state.refs
    .filter((r) => r.name.startsWith('refs/heads/'))
    .map((r) => r.name.slice('refs/heads/'.length));
}

/** After an update: purge the old name's edge copy and point HEAD at the default branch. */
export async function repoUpdated(
  env: Env,
  cache: EdgeCache,
  oldOwner: string,
  oldName: string,
  row: RepoRow,
): Promise<void> {
  await purgeRepoMeta(cache, oldOwner, oldName);
  await repoStub(env, row.id).setDefaultBranch(row.default_branch);
}

/** After a delete: drop the refs and catalog, then every stored pack and index. */
export async function repoDeleted(env: Env, cache: EdgeCache, row: RepoRow): Promise<void> {
  await purgeRepoMeta(cache, row.owner_login, row.name);
  await repoStub(env, row.id).destroy();
  const store = r2ObjectStore(env.BLOBS);
  await store.delete(await store.list(repoPrefix(row.id)));
}

/**
 * After a user rename: the edge copies of their repositories' records under the old username
 * are purged, so the old `owner/name` goes through the redirect (and its authorisation) again.
 */
export async function ownerRenamed(
  db: Db,
  cache: EdgeCache,
  userId: string,
  oldLogin: string,
): Promise<void> {
  const names = await listRepoNamesOfOwner(db, userId);
  await Promise.all(names.map((n) => purgeRepoMeta(cache, oldLogin, n)));
}
