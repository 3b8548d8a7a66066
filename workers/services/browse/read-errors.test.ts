/**
 * A failed storage read is not a missing object: history views over a repository whose older
 * pack cannot be read must fail (a 500 through the error mapping) and leave nothing in the edge
 * cache, while a history that genuinely ends (a shallow push: the parents are in no pack) still
 * reads as ending there and is cached. Real packs written by git, the real in-memory object
 * store (wrapped to throw), and the Cache API of a real workerd (Miniflare).
 */
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toAppError } from '../../../common/errors';
import { toHex, utf8 } from '../../../common/git/bytes';
import { sha1 } from '../../../common/git/native';
import type { RepoRow } from '../../../db/queries/repositories';
import type { PackRecord, RepoState } from '../../../durable-objects/formats';
import {
  gitIndexPack,
  scratchRepo,
  type ScratchRepo,
} from '../../../test/helpers/git-model-fixtures';
import { memoryObjectStore, type ObjectStore } from '../../git/storage/object-store';
import { idxKeyOf, packKey } from '../../git/storage/pack-keys';
import { cacheKey, type EdgeCache } from '../cache/cache';
import { createMemoryTiers } from '../cache/memory-cache';
import { changeView, logView } from './data-history';
import { lastCommitsView } from './data-tree';
import { browseRepoOver } from './repo';

const REPO_ID = '42';
const CHANGE = 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz';

const row: RepoRow = {
  id: REPO_ID,
  owner_id: '1',
  owner_login: 'ada',
  name: 'engine',
  description: '',
  private: false,
  default_branch: 'main',
  created_at: new Date(0),
  updated_at: new Date(0),
  pushed_at: null,
};

/** `store` whose reads of `key` fail as a storage outage would (the key exists). */
function failingReads(store: ObjectStore, key: string): ObjectStore {
  const fail = () => Promise.reject(new Error(`storage unavailable reading ${key}`));
  return {
    ...store,
    get: (k, range) => (k === key ? fail() : store.get(k, range)),
    getStream: (k) => (k === key ? fail() : store.getStream(k)),
  };
}

let repo: ScratchRepo;
const commits: string[] = [];
let store: ObjectStore;
let oldPack: PackRecord;
let newPack: PackRecord;
let mf: Miniflare;
let cacheStore: Cache;

/** Packs `revs` (rev-list arguments, e.g. `c5 ^c2`) with git and stores the pack and its idx. */
async function storePack(revs: string): Promise<PackRecord> {
  const objects = repo.text(['rev-list', '--objects', ...revs.split(' ')]);
  const pack = repo.git(['pack-objects', '--stdout', '-q'], `${objects}\n`);
  const checksum = Buffer.from(pack.subarray(pack.length - 20)).toString('hex');
  const key = packKey(REPO_ID, checksum);
  await store.put(key, pack);
  await store.put(idxKeyOf(key), gitIndexPack(pack));
  return { key, checksum, objectCount: 0, size: pack.length };
}

function stateWith(packs: PackRecord[]): RepoState {
  const head = commits[commits.length - 1] ?? '';
  return {
    head: 'refs/heads/main',
    refs: [{ name: 'refs/heads/main', oid: head }],
    packs,
    exact: false,
    dirtyGen: 0,
    pushedPacks: packs.length,
  };
}

/** An edge cache over workerd's Cache API whose deferred writes the test can wait for. */
function edgeCacheForTest(): EdgeCache & { settled(): Promise<unknown> } {
  const pending: Array<Promise<unknown>> = [];
  return {
    store: cacheStore,
    waitUntil: (p) => void pending.push(p),
    memory: createMemoryTiers(),
    settled: () => Promise.allSettled(pending),
  };
}

beforeAll(async () => {
  // old/ is written in the first commit only; busy.txt changes in every commit.
  repo = scratchRepo();
  repo.write('old/a.txt', 'a\n');
  for (let i = 0; i < 6; i++) {
    repo.write('busy.txt', `${i}\n`);
    commits.push(repo.commitAll(`commit ${i}`, i * 60));
  }
  store = memoryObjectStore();
  oldPack = await storePack(`${commits[2]}`);
  newPack = await storePack(`${commits[5]} ^${commits[2]}`);
  mf = new Miniflare({
    workers: [
      {
        config: {
          name: 'cache-host',
          compatibilityDate: '2026-08-01',
          manifest: {
            mainModule: 'index.mjs',
            modulesRoot: '/',
            modules: {
              'index.mjs': {
                type: 'esm',
                contents: 'export default { fetch: () => new Response(null, { status: 204 }) };',
              },
            },
          },
        },
      },
    ],
  });
  cacheStore = (await mf.getCaches()).default as unknown as Cache;
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
  repo?.remove();
});

/** The three walking views over `objects`, each with the cache key it would be stored under. */
function views(objects: ObjectStore, packs: PackRecord[], cache: EdgeCache) {
  const b = browseRepoOver(row, objects, stateWith(packs));
  const head = commits[5] ?? '';
  return [
    {
      name: 'last commits',
      key: cacheKey(REPO_ID, 'last', head, ''),
      run: () => lastCommitsView(b, cache, head, []),
    },
    {
      name: 'log',
      key: cacheKey(REPO_ID, 'log', head, '', '1', '30'),
      run: () => logView(b, cache, head, [], 1, 30),
    },
    {
      name: 'change versions',
      // As changeView keys it: by the ref tips and the pack keys.
      key: cacheKey(
        REPO_ID,
        'change',
        'v2',
        CHANGE,
        toHex(sha1(utf8(`${head}|${packs.map((p) => p.key).join(',')}`))),
        '',
        '',
      ),
      run: () => changeView(b, cache, CHANGE, {}),
    },
  ];
}

/** Empties the cache of what the views stored (the Cache API cannot list its keys). */
async function forget(vs: Array<{ key: string }>): Promise<void> {
  for (const v of vs) await cacheStore.delete(v.key);
}

describe('history views when a pack cannot be read', () => {
  it('fail with an internal error and store nothing', async () => {
    const cache = edgeCacheForTest();
    const broken = failingReads(store, oldPack.key);
    for (const v of views(broken, [oldPack, newPack], cache)) {
      const err = await v.run().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, v.name).toBeDefined();
      expect(toAppError(err).status, v.name).toBe(500);
    }
    await cache.settled();
    for (const v of views(broken, [oldPack, newPack], cache)) {
      expect(await cacheStore.match(v.key), v.name).toBeUndefined();
    }
  });

  it('are computed and cached when storage answers (the check above can fail)', async () => {
    const cache = edgeCacheForTest();
    const [last, log, change] = views(store, [oldPack, newPack], cache);
    const lc = (await last?.run()) as Awaited<ReturnType<typeof lastCommitsView>>;
    // old/ last changed in the first commit, which only the old pack holds.
    expect(lc).toMatchObject({ complete: true, entries: { old: commits[0] } });
    const page = (await log?.run()) as Awaited<ReturnType<typeof logView>>;
    expect(page.commits.map((c) => c.oid)).toEqual([...commits].reverse());
    await cache.settled();
    expect(await cacheStore.match(last?.key ?? '')).toBeDefined();
    expect(await cacheStore.match(log?.key ?? '')).toBeDefined();
    expect(await change?.run()).toMatchObject({ versions: [], complete: true });
    await cache.settled();
    expect(await cacheStore.match(change?.key ?? '')).toBeDefined();
    await forget(views(store, [oldPack, newPack], cache));
  });
});

describe('history views when older commits are in no pack (a shallow push)', () => {
  it('end the history at the missing parent, and that answer is cached', async () => {
    const cache = edgeCacheForTest();
    const [last, log] = views(store, [newPack], cache);
    const lc = (await last?.run()) as Awaited<ReturnType<typeof lastCommitsView>>;
    // The oldest commit present introduces everything its absent parent would have had.
    expect(lc).toMatchObject({ complete: true, entries: { old: commits[3] } });
    const page = (await log?.run()) as Awaited<ReturnType<typeof logView>>;
    expect(page.commits.map((c) => c.oid)).toEqual(commits.slice(3).reverse());
    await cache.settled();
    expect(await cacheStore.match(last?.key ?? '')).toBeDefined();
    await forget(views(store, [newPack], cache));
  });
});
