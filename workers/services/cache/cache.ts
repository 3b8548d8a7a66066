/**
 * The edge cache for everything addressed by a git object id. Object ids never change meaning,
 * so entries are immutable and never invalidated; a push moves refs, and ref-addressed views
 * resolve the ref fresh and then look up the new object id. Keys are synthetic URLs under the
 * repository id (never a ref name). Only public repositories' data enters the shared cache:
 * callers authorise first and pass `shared = false` for private ones, which bypasses it entirely.
 */
import type { MemoryTiers } from './memory-cache';

/**
 * What the cache needs from the request: the Cache API store, `waitUntil` for writes, and the
 * isolate memory tiers in front of the store (made at the Worker entry, memory-cache.ts).
 */
export interface EdgeCache {
  store: Cache | undefined;
  waitUntil(p: Promise<unknown>): void;
  memory: MemoryTiers;
}

const ORIGIN = 'https://cache.plue.internal';
export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const PRIVATE = 'private, no-store';

/** The edge cache of a Worker request (no store where the Cache API is absent). */
export function edgeCache(
  waitUntil: (p: Promise<unknown>) => void,
  memory: MemoryTiers,
): EdgeCache {
  // Workers' CacheStorage has `default`; the DOM typing that may be merged in does not.
  const store =
    typeof caches === 'undefined' ? undefined : (caches as unknown as { default: Cache }).default;
  return { store, waitUntil, memory };
}

/** A synthetic cache key: `/{repoId}/{kind}/{parts…}`, each part URL-encoded. */
export function cacheKey(repoId: string, kind: string, ...parts: string[]): string {
  return `${ORIGIN}/${encodeURIComponent(repoId)}/${kind}/${parts.map(encodeURIComponent).join('/')}`;
}

/**
 * Derived data (JSON-serialisable, or undefined) cached under `key`: read from the edge cache when shared,
 * else computed, and stored for next time when shared. Private data is only computed.
 */
export async function cachedJson<T>(
  cache: EdgeCache,
  key: string,
  shared: boolean,
  compute: () => Promise<T>,
): Promise<T> {
  if (!shared || !cache.store) return compute();
  const hit = await cache.store.match(key).catch(() => undefined);
  if (hit) {
    // An entry that does not parse (e.g. empty) is computed again and overwritten.
    const text = await hit.text();
    if (text !== '') return JSON.parse(text) as T;
  }
  const value = await compute();
  // `undefined` (e.g. "no such path") has no JSON form: it is computed each time, not stored.
  if (value === undefined) return value;
  const body = JSON.stringify(value);
  const res = new Response(body, {
    headers: { 'Content-Type': 'application/json', 'Cache-Control': IMMUTABLE },
  });
  cache.waitUntil(cache.store.put(key, res).catch(() => undefined));
  return value;
}

/** Whether the request's `If-None-Match` names `etag` (weak or strong, or `*`). */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = etag.replace(/^W\//, '');
  return ifNoneMatch
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === '*' || t === bare);
}

/**
 * Headers of a response about object `id`: ETag = the id; immutable and public when shared and
 * addressed by the id itself, revalidated each time when addressed by a ref, never stored by
 * anyone when private.
 */
export function objectHeaders(
  etag: string,
  opts: { shared: boolean; immutable: boolean },
): Record<string, string> {
  const cacheControl = !opts.shared
    ? PRIVATE
    : opts.immutable
      ? IMMUTABLE
      : 'public, max-age=0, must-revalidate';
  return { ETag: `"${etag}"`, 'Cache-Control': cacheControl };
}

/** A 304 for `etag` when the request already has it, else undefined. */
export function notModified(
  ifNoneMatch: string | undefined,
  headers: Record<string, string>,
): Response | undefined {
  const etag = headers.ETag;
  if (etag === undefined || !matchesEtag(ifNoneMatch, etag)) return undefined;
  return new Response(null, { status: 304, headers });
}

/**
 * A whole response addressed by an object id, stored as-is in the edge cache (public only).
 * `render` makes the 200 response; a cached or fresh one answers `If-None-Match` with a 304.
 */
export async function cachedResponse(
  cache: EdgeCache,
  key: string,
  shared: boolean,
  ifNoneMatch: string | undefined,
  render: () => Promise<Response>,
): Promise<Response> {
  let res: Response | undefined;
  if (shared && cache.store) res = await cache.store.match(key).catch(() => undefined);
  if (!res) {
    res = await render();
    if (shared && cache.store && res.status === 200) {
      cache.waitUntil(cache.store.put(key, res.clone()).catch(() => undefined));
    }
  }
  const etag = res.headers.get('ETag');
  if (etag && matchesEtag(ifNoneMatch, etag)) {
    const headers = Object.fromEntries(
      ['ETag', 'Cache-Control', 'Vary'].flatMap((h) => {
        const v = res.headers.get(h);
        return v ? [[h, v]] : [];
      }),
    );
    return new Response(null, { status: 304, headers });
  }
  return res;
}

/**
 * A short-lived edge copy of public repositories' records, so anonymous reads of public
 * repositories (cached pages, clones) skip the database. Only public rows are stored; a change
 * of visibility, name or default branch purges the entry here, and elsewhere it expires within
 * `REPO_META_TTL` seconds — the window in which a repository just made private may still be
 * listed as public by another edge location. The isolate keeps what it read or stored in memory
 * (memory-cache.ts) until the same deadline, counted from when the record left the database, so
 * the window stays `REPO_META_TTL` seconds; a purge clears this isolate's copy as well.
 */
export const REPO_META_TTL = 10;
const STORED_AT = 'X-Plue-Stored-At';

export interface RepoMeta<Row> {
  get(owner: string, name: string): Promise<Row | undefined>;
  put(owner: string, name: string, row: Row): void;
}

function repoMetaKey(owner: string, name: string): string {
  return `${ORIGIN}/repo-meta/${encodeURIComponent(owner.toLowerCase())}/${encodeURIComponent(name.toLowerCase())}`;
}

/** The repository-record cache over an edge cache; `revive` restores what JSON flattened. */
export function repoMetaCache<Row>(cache: EdgeCache, revive: (raw: Row) => Row): RepoMeta<Row> {
  return {
    async get(owner, name) {
      const key = repoMetaKey(owner, name);
      // The isolate's copy is never handed out itself: callers get their own.
      const remembered = cache.memory.meta.get(key) as Row | undefined;
      if (remembered !== undefined) return { ...remembered };
      const hit = await cache.store?.match(key).catch(() => undefined);
      if (!hit) return undefined;
      const text = await hit.text();
      const row = revive(JSON.parse(text) as Row);
      const at = Number(hit.headers.get(STORED_AT));
      if (Number.isFinite(at) && at > 0) {
        cache.memory.meta.set(key, { ...row }, text.length, at + REPO_META_TTL * 1000);
      }
      return row;
    },
    put(owner, name, row) {
      if (!cache.store) return;
      const key = repoMetaKey(owner, name);
      const text = JSON.stringify(row);
      const now = Date.now();
      cache.memory.meta.set(key, { ...row }, text.length, now + REPO_META_TTL * 1000);
      const res = new Response(text, {
        headers: {
          'Content-Type': 'application/json',
          'Cache-Control': `public, max-age=${REPO_META_TTL}`,
          [STORED_AT]: String(now),
        },
      });
      cache.waitUntil(cache.store.put(key, res).catch(() => undefined));
    },
  };
}

/** Forgets the cached record of `owner/name` at this edge location. */
export async function purgeRepoMeta(cache: EdgeCache, owner: string, name: string): Promise<void> {
  cache.memory.meta.delete(repoMetaKey(owner, name));
  await cache.store?.delete(repoMetaKey(owner, name)).catch(() => undefined);
}
