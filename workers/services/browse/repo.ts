/**
 * Opening a repository for browsing, once authorised (private repositories are `not_found` to
 * anyone who may not read them, see authz.ts): read refs and the pack catalog fresh from RepoObject, and
 * open pack indexes only when an object is actually read (a cache hit never opens them).
 */
import type { RepoRow } from '../../../db/queries/repositories';
import type { RepoState } from '../../../durable-objects/repo-refs';
import { PackIndex } from '../../git/model/idx';
import { idxKeyOf } from '../../git/storage/pack-keys';
import type { RepoObjects } from '../../git/storage/repo-objects';
import type { Env } from '../../env';
import { gitRepoContext, openObjects, type GitRepoContext } from '../git/repo-context';
import type { ObjectReader } from './objects';

export interface BrowseRepo {
  row: RepoRow;
  owner: string;
  name: string;
  /** Whether responses may enter shared caches (public repositories only). */
  shared: boolean;
  ctx: GitRepoContext;
  state: RepoState;
  /** Reads objects, opening the pack indexes on first use. */
  reader: ObjectReader;
  /** Object ids starting with a hex prefix, across all packs. */
  findPrefix(prefix: string): Promise<string[]>;
  /** Every object id in packs of at most `maxPackBytes` (for scans of small repositories). */
  smallPackOids(maxPackBytes: number): Promise<string[]>;
}

/** Opens a repository the caller has authorised (`loadRepoForAction`) for browsing. */
export async function openBrowseRepo(env: Env, row: RepoRow): Promise<BrowseRepo> {
  const ctx = gitRepoContext(env, {
    id: row.id,
    fullName: `${row.owner_login}/${row.name}`,
    defaultBranch: row.default_branch,
  });
  const state = await ctx.refs.state(row.default_branch);
  let objects: Promise<RepoObjects> | undefined;
  const indexes = () =>
    Promise.all(
      state.packs.map(async (p) => {
        const bytes = await ctx.store.get(idxKeyOf(p.key));
        return { pack: p, index: bytes ? PackIndex.parse(bytes) : undefined };
      }),
    );
  return {
    row,
    owner: row.owner_login,
    name: row.name,
    shared: !row.private,
    ctx,
    state,
    reader: {
      read(oid) {
        objects ??= openObjects(ctx, state);
        return objects.then((o) => o.read(oid));
      },
    },
    async findPrefix(prefix) {
      const out = new Set<string>();
      for (const { index } of await indexes()) {
        if (!index) continue;
        for (const oid of index.oids()) if (oid.startsWith(prefix)) out.add(oid);
      }
      return [...out];
    },
    async smallPackOids(maxPackBytes) {
      const out = new Set<string>();
      for (const { pack, index } of await indexes()) {
        if (!index || pack.size > maxPackBytes) continue;
        for (const oid of index.oids()) out.add(oid);
      }
      return [...out];
    },
  };
}
