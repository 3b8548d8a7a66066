/**
 * Opening a repository for browsing, once authorised (private repositories are `not_found` to
 * anyone who may not read them, see authz.ts): read refs and the pack catalog fresh from RepoObject, and
 * open pack indexes only when an object is actually read (a cache hit never opens them). Whole
 * reads from storage (indexes, small packs) are shared within the request by the object reader,
 * the size reader (object sizes from entry headers, object-size.ts) and the prefix lookups.
 */
import type { RepoRow } from '../../../db/queries/repositories';
import type { PackRecord, RepoState } from '../../../durable-objects/formats';
import { PackIndex } from '../../../common/git/idx';
import { ZlibInflater } from '../../../common/git/zlib';
import type { ObjectStore } from '../../git/storage/object-store';
import { idxKeyOf } from '../../git/storage/pack-keys';
import { openRangeReader, type RangeReader } from '../../git/storage/range-reader';
import { RepoObjects } from '../../git/storage/repo-objects';
import type { Env } from '../../env';
import { gitRepoContext } from '../git/repo-context';
import { packedObjectSize } from './object-size';
import type { ObjectReader } from './objects';

export interface BrowseRepo {
  row: RepoRow;
  owner: string;
  name: string;
  /** Whether responses may enter shared caches (public repositories only). */
  shared: boolean;
  state: RepoState;
  /** Reads objects, opening the pack indexes on first use. */
  reader: ObjectReader;
  /** Object ids starting with a hex prefix, across all packs. */
  findPrefix(prefix: string): Promise<string[]>;
  /** Every object id in packs of at most `maxPackBytes` (for scans of small repositories). */
  smallPackOids(maxPackBytes: number): Promise<string[]>;
}

const SIZE_BLOCKS = { blockSize: 64 * 1024, blocks: 64 };

/** `store` with whole-object reads kept for the request (ranged reads pass through). */
function sharingWholeReads(store: ObjectStore): ObjectStore {
  const whole = new Map<string, Promise<Uint8Array | undefined>>();
  return {
    ...store,
    get(key, range) {
      if (range) return store.get(key, range);
      let p = whole.get(key);
      if (!p) {
        p = store.get(key);
        whole.set(key, p);
        p.catch(() => whole.delete(key));
      }
      return p;
    },
  };
}

/** Opens a repository the caller has authorised (`loadRepoForAction`) for browsing. */
export async function openBrowseRepo(env: Env, row: RepoRow): Promise<BrowseRepo> {
  const ctx = gitRepoContext(env, {
    id: row.id,
    fullName: `${row.owner_login}/${row.name}`,
    defaultBranch: row.default_branch,
  });
  return browseRepoOver(row, ctx.store, await ctx.refs.state(row.default_branch));
}

/** The repository `row` as of `state`, its objects read from `objectStore` (tests pass their own). */
export function browseRepoOver(
  row: RepoRow,
  objectStore: ObjectStore,
  state: RepoState,
): BrowseRepo {
  const store = sharingWholeReads(objectStore);
  let objects: Promise<RepoObjects> | undefined;
  let opened: Promise<Array<{ pack: PackRecord; index: PackIndex | undefined }>> | undefined;
  const indexes = () =>
    (opened ??= Promise.all(
      state.packs.map(async (p) => {
        const bytes = await store.get(idxKeyOf(p.key));
        return { pack: p, index: bytes ? PackIndex.parse(bytes) : undefined };
      }),
    ));
  // Size reads touch a few bytes per object: smaller blocks than the object reader's 1 MiB.
  let sizeReaders: Promise<Array<{ index: PackIndex; io: RangeReader }>> | undefined;
  let inflater: ZlibInflater | undefined;
  return {
    row,
    owner: row.owner_login,
    name: row.name,
    shared: !row.private,
    state,
    reader: {
      read(oid) {
        objects ??= RepoObjects.open(store, state.packs);
        return objects.then((o) => o.read(oid));
      },
      async size(oid) {
        sizeReaders ??= indexes().then((list) =>
          list.flatMap(({ pack, index }) =>
            index ? [{ index, io: openRangeReader(store, pack.key, pack.size, SIZE_BLOCKS) }] : [],
          ),
        );
        for (const { index, io } of await sizeReaders) {
          const offset = index.lookup(oid);
          if (offset !== undefined)
            return packedObjectSize(io, offset, (inflater ??= new ZlibInflater()));
        }
        return undefined;
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
